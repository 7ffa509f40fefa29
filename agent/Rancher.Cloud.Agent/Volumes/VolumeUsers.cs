using Docker.DotNet;
using Docker.DotNet.Models;

namespace Rancher.Cloud.Agent.Volumes;

/// <summary>A volume on the host as Docker has it: whether it exists, the containers running on it, and its removal once none is.</summary>
public static class VolumeUsers
{
    /// <summary>Removes the volume; Docker refuses while any container, even a stopped one, refers to it, and says which.</summary>
    public static async Task<Contracts.VolumeTaskResult> RemoveAsync(IDockerClient docker, string volume, CancellationToken ct)
    {
        if ((await RunningAsync(docker, volume, ct)).Count > 0)
        {
            return new Contracts.VolumeTaskResult(false, $"volume '{volume}' is in use by a running container");
        }
        try
        {
            await docker.Volumes.RemoveAsync(volume, force: false, ct);
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // Already gone.
        }
        catch (DockerApiException e)
        {
            return new Contracts.VolumeTaskResult(false, DockerErrors.MessageOf(e));
        }
        return new Contracts.VolumeTaskResult(true, null);
    }

    public static async Task<IList<ContainerListResponse>> RunningAsync(IDockerClient docker, string volume, CancellationToken ct) =>
        await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["volume"] = new Dictionary<string, bool> { [volume] = true } },
        }, ct);

    internal static async Task<VolumeResponse?> InspectAsync(IDockerClient docker, string name, CancellationToken ct)
    {
        try
        {
            return await docker.Volumes.InspectAsync(name, ct);
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
