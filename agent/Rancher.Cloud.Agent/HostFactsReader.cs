using Docker.DotNet;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent;

/// <summary>Reads the facts a host reports (hostname, Docker version, CPUs, memory) from its Docker Engine.</summary>
public sealed class HostFactsReader(IDockerClient docker, string? hostnameOverride)
{
    public async Task<HostFacts> ReadAsync(CancellationToken ct)
    {
        var info = await docker.System.GetSystemInfoAsync(ct);
        return new HostFacts(
            Hostname: string.IsNullOrWhiteSpace(hostnameOverride) ? info.Name : hostnameOverride,
            DockerVersion: info.ServerVersion,
            Cpus: (int)info.NCPU,
            MemoryBytes: info.MemTotal,
            Os: info.OperatingSystem,
            Architecture: info.Architecture);
    }
}
