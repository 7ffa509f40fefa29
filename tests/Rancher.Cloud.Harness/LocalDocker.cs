using Docker.DotNet;
using Docker.DotNet.Models;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Harness;

/// <summary>What the tests check against: the local Docker Engine itself, through Docker.DotNet.</summary>
public static class LocalDocker
{
    public const string TestImage = "rancher-cloud-test/web:1";

    public static IDockerClient Client { get; } = new DockerClientBuilder().WithEndpoint(new Uri("unix:///var/run/docker.sock")).Build();

    /// <summary>Every container carrying the platform's labels for this host, running or not.</summary>
    public static async Task<IList<ContainerListResponse>> OwnedByAsync(string hostId) =>
        await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{Labels.Host}={hostId}"] = true },
            },
        });

    public static async Task<List<ContainerListResponse>> OfServiceAsync(string hostId, string serviceId) =>
        (await OwnedByAsync(hostId)).Where(c => c.Labels[Labels.Service] == serviceId).ToList();

    /// <summary>
    /// Environment networks no container uses, left by agents of runs that were killed: they would
    /// overlap the networks of this run's environments. (A running agent makes its own again.)
    /// </summary>
    public static async Task RemoveUnusedPlatformNetworksAsync()
    {
        var networks = await Client.Networks.ListNetworksAsync(new NetworksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [Labels.Host] = true } },
        });
        foreach (var network in networks)
        {
            var inspected = await Client.Networks.InspectNetworkAsync(network.ID);
            if (inspected.Containers is null || inspected.Containers.Count == 0)
            {
                try
                {
                    await Client.Networks.DeleteNetworkAsync(network.ID);
                }
                catch (DockerApiException)
                {
                    // Someone attached a container meanwhile: it is in use after all.
                }
            }
        }
    }

    public static async Task RemoveOwnedByAsync(string hostId)
    {
        await RemoveContainersAsync(hostId);
        // Then the environment networks the agent made for that host.
        var networks = await Client.Networks.ListNetworksAsync(new NetworksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{Labels.Host}={hostId}"] = true } },
        });
        foreach (var network in networks)
        {
            await Client.Networks.DeleteNetworkAsync(network.ID);
        }
    }

    private static async Task RemoveContainersAsync(string hostId)
    {
        foreach (var container in await OwnedByAsync(hostId))
        {
            try
            {
                await Client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
            }
            catch (DockerContainerNotFoundException)
            {
                // The agent removed it between the listing and now.
            }
            catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                // The agent (killed just now) had started removing it: Docker finishes on its own.
                await Wait.UntilAsync(async () => !(await OwnedByAsync(hostId)).Any(c => c.ID == container.ID), TimeSpan.FromSeconds(30), "a removal in progress to finish");
            }
        }
    }
}
