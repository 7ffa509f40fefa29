using System.Text.Json.Nodes;

using Rancher.Cloud.Harness;

namespace Rancher.Cloud.IntegrationTests.Infrastructure;

/// <summary>Waiting on a service's view as users see it through the API.</summary>
internal static class Services
{
    public static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);

    /// <summary>Waits until the service shows exactly <paramref name="count"/> instances, all running with a container.</summary>
    public static async Task<JsonArray> RunningAsync(Api api, string envId, string serviceId, int count)
    {
        var last = "";
        try
        {
            return await Wait.ForAsync(async () =>
            {
                var service = await api.ServiceAsync(envId, serviceId);
                var instances = service["instances"]!.AsArray();
                last = $"{instances.ToJsonString()} placement={service["placement"]?.ToJsonString()}";
                return instances.Count == count && instances.All(i => (string?)i!["state"] == "running" && i["containerId"] is not null)
                    ? instances
                    : null;
            }, Converge, $"{count} running instances of service {serviceId}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} Last seen: {last}", e);
        }
    }

    public static async Task ContainersAsync(string hostId, string serviceId, int count) =>
        await Wait.UntilAsync(async () =>
        {
            var containers = await LocalDocker.OfServiceAsync(hostId, serviceId);
            return containers.Count == count && containers.All(c => c.State == "running");
        }, Converge, $"{count} running containers of service {serviceId} in Docker");
}
