using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Reconcile;

/// <summary>Turns the instances placed on a host into that host's plan.</summary>
public static class HostPlanBuilder
{
    public static IReadOnlyList<PlannedContainer> Containers(
        IEnumerable<Instance> instancesOnHost, IReadOnlyDictionary<string, Service> services) =>
        instancesOnHost
            .OrderBy(i => i.Id, StringComparer.Ordinal)
            .Select(i => Container(i, services[i.ServiceId]))
            .ToList();

    public static PlannedContainer Container(Instance instance, Service service)
    {
        var spec = service.Spec;
        var ports = spec.Ports.Select(p => new PlannedPort(p.Published, p.Target, p.Protocol)).ToList();
        var environment = new SortedDictionary<string, string>(spec.Environment.ToDictionary(), StringComparer.Ordinal);
        var hash = Hash(JsonSerializer.Serialize(new { spec.Image, spec.Command, environment, ports }));
        return new PlannedContainer(instance.Id, service.Id, spec.Name, spec.Image, spec.Command, environment, ports, hash);
    }

    /// <summary>A stable hash of a plan's content, independent of its version.</summary>
    public static string ContentHash(IReadOnlyList<PlannedContainer> containers) =>
        Hash(JsonSerializer.Serialize(containers));

    private static string Hash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
