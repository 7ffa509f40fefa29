using System.Net.NetworkInformation;
using Rancher.Cloud.Agent.Networking;
using System.Security.Cryptography;
using System.Text;
using Docker.DotNet;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent;

/// <summary>Reads the facts a host reports (hostname, Docker version, CPUs, memory) from its Docker Engine.</summary>
public sealed class HostFactsReader(IDockerClient docker, AgentOptions options, TunnelKeys tunnel)
{
    public async Task<HostFacts> ReadAsync(CancellationToken ct)
    {
        var info = await docker.System.GetSystemInfoAsync(ct);
        return new HostFacts(
            Hostname: string.IsNullOrWhiteSpace(options.Hostname) ? info.Name : options.Hostname,
            DockerVersion: info.ServerVersion,
            Cpus: (int)info.NCPU,
            MemoryBytes: info.MemTotal,
            Os: info.OperatingSystem,
            Architecture: info.Architecture)
        {
            Labels = options.Labels,
            Fingerprint = Fingerprint(info.ID),
            WireGuardPublicKey = await tunnel.PublicKeyAsync(ct),
            Endpoint = await tunnel.EndpointAsync(ct),
        };
    }

    /// <summary>
    /// The machine's id, its Docker engine's id and the hardware addresses of its own network
    /// interfaces, hashed. A copied state folder carries none of these; a cloned VM usually
    /// gets new NIC addresses (and often a new machine id). Bridges and veths that Docker
    /// creates are left out: they change without the machine changing.
    /// </summary>
    private static string Fingerprint(string engineId)
    {
        var machineId = File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id").Trim() : "";
        var nics = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.NetworkInterfaceType != NetworkInterfaceType.Loopback
                        && !n.Name.StartsWith("docker", StringComparison.Ordinal)
                        && !n.Name.StartsWith("veth", StringComparison.Ordinal)
                        && !n.Name.StartsWith("br-", StringComparison.Ordinal)
                        && !n.Name.StartsWith(Networking.Overlay.InterfacePrefix, StringComparison.Ordinal))
            .Select(n => n.GetPhysicalAddress().ToString())
            .Where(mac => mac.Length > 0)
            .Order(StringComparer.Ordinal);
        var identity = $"{machineId}\n{engineId}\n{string.Join(',', nics)}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..32];
    }
}
