using Rancher.Cloud.Agent.Networking;
using Docker.DotNet;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent;

/// <summary>Reads the facts a host reports (hostname, Docker version, CPUs, memory) from its Docker Engine.</summary>
public sealed class HostFactsReader(IDockerClient docker, AgentOptions options, TunnelKeys tunnel, UsedRanges used)
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
            BootId = BootId,
            Incarnation = Incarnation,
            UsedRanges = await used.ReadAsync(ct),
            WireGuardPublicKey = await tunnel.PublicKeyAsync(ct),
            Endpoint = await tunnel.EndpointAsync(ct),
        };
    }

    /// <summary>Chosen when this process starts: the control plane tells a restart (a new one) from a second machine (two that alternate).</summary>
    public static string Incarnation { get; } = Guid.NewGuid().ToString("N");

    private static readonly string? BootId = File.Exists("/proc/sys/kernel/random/boot_id")
        ? File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim()
        : null;
}
