using System.Globalization;
using Docker.DotNet.Models;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent;

/// <summary>How a planned container becomes Docker's create parameters.</summary>
public static class ContainerSpec
{
    /// <summary>
    /// One name per instance: Docker refuses a second container with the same name, so an
    /// agent killed mid-create can never leave a duplicate behind.
    /// </summary>
    public static string NameOf(PlannedContainer planned) => $"{planned.ServiceName}-{planned.InstanceId}";

    public static CreateContainerParameters ToCreate(string hostId, PlannedContainer planned)
    {
        var ports = planned.Ports.ToDictionary(p => PortKey(p), p => p, StringComparer.Ordinal);
        var create = new CreateContainerParameters
        {
            Name = NameOf(planned),
            Image = planned.Image,
            Env = planned.Environment.Select(e => $"{e.Key}={e.Value}").ToList(),
            Labels = new Dictionary<string, string>
            {
                [Labels.Instance] = planned.InstanceId,
                [Labels.Service] = planned.ServiceId,
                [Labels.Host] = hostId,
                [Labels.SpecHash] = planned.SpecHash,
            },
            ExposedPorts = ports.Keys.ToDictionary(k => k, _ => new EmptyStruct(), StringComparer.Ordinal),
            HostConfig = new HostConfig
            {
                PortBindings = ports.ToDictionary(
                    p => p.Key,
                    p => (IList<PortBinding>)[new PortBinding { HostPort = p.Value.Published.ToString(CultureInfo.InvariantCulture) }],
                    StringComparer.Ordinal),
                // Docker restarts crashed containers at once; the agent handles everything else.
                RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.UnlessStopped },
            },
        };
        if (planned.Command.Count > 0)
        {
            create.Cmd = [.. planned.Command]; // otherwise the image's own command
        }
        return create;
    }

    private static string PortKey(PlannedPort port) => $"{port.Target}/{port.Protocol}";
}
