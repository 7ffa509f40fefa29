using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Networking;

/// <summary>
/// The Docker bridge network that carries the host's /24 of the environment network. Its Linux
/// bridge has a fixed name, so the overlay can route and filter by it; its MTU leaves room for
/// the WireGuard header.
/// </summary>
public sealed class EnvironmentBridge(IDockerClient docker, ILogger<EnvironmentBridge> log)
{
    /// <summary>Linux interface names are at most 15 characters, and unique per network namespace.</summary>
    public static string BridgeName(PlannedNetwork network) => BridgeName(network.Name);

    public static string BridgeName(string networkName) => Overlay.InterfacePrefix + "b" + NameHash(networkName);

    public static string NameHash(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..10];

    public async Task EnsureAsync(string hostId, PlannedNetwork network, CancellationToken ct)
    {
        var existing = (await docker.Networks.ListNetworksAsync(new NetworksListParameters(), ct)).FirstOrDefault(n => n.Name == network.Name);
        if (existing is not null)
        {
            if (existing.IPAM?.Config?.Any(c => c.Subnet == network.Subnet) == true)
            {
                return;
            }
            // The host was given another /24 (re-registered): its containers are recreated on the new one anyway.
            log.LogInformation("Network {Network} moves to {Subnet}", network.Name, network.Subnet);
            var inspected = await docker.Networks.InspectNetworkAsync(existing.ID, ct);
            foreach (var attached in inspected.Containers?.Keys ?? [])
            {
                await docker.Containers.RemoveContainerAsync(attached, new ContainerRemoveParameters { Force = true }, ct);
            }
            await docker.Networks.DeleteNetworkAsync(existing.ID, ct);
        }
        await docker.Networks.CreateNetworkAsync(new NetworksCreateParameters
        {
            Name = network.Name,
            Driver = "bridge",
            IPAM = new IPAM { Config = [new IPAMConfig { Subnet = network.Subnet, Gateway = network.Gateway }] },
            Options = new Dictionary<string, string>
            {
                ["com.docker.network.bridge.name"] = BridgeName(network),
                ["com.docker.network.driver.mtu"] = network.Mtu.ToString(CultureInfo.InvariantCulture),
            },
            Labels = new Dictionary<string, string> { [Labels.Host] = hostId },
        }, ct);
        log.LogInformation("Created network {Network} on {Subnet}", network.Name, network.Subnet);
    }
}
