using Docker.DotNet;
using Docker.DotNet.Models;

namespace Rancher.Cloud.Agent.Volumes;

/// <summary>The containers running on a volume.</summary>
public static class VolumeUsers
{
    public static async Task<IList<ContainerListResponse>> RunningAsync(IDockerClient docker, string volume, CancellationToken ct) =>
        await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["volume"] = new Dictionary<string, bool> { [volume] = true } },
        }, ct);
}
