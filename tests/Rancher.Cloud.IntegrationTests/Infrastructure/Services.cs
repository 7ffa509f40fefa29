using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.Harness;

namespace Rancher.Cloud.IntegrationTests.Infrastructure;

/// <summary>Waiting on a service's view as users see it through the API.</summary>
internal static class Services
{
    public static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);

    /// <summary>Waits until the service shows exactly <paramref name="count"/> instances, all running with a container.</summary>
    public static async Task<IReadOnlyList<InstanceView>> RunningAsync(Api api, string envId, string serviceId, int count)
    {
        var last = "";
        try
        {
            return await Wait.ForAsync(async () =>
            {
                var service = await api.ServiceAsync(envId, serviceId);
                var instances = service.Instances;
                last = $"{Api.Show(instances)} placement={Api.Show(service.Placement)}";
                return instances.Count == count && instances.All(i => i.State == "running" && i.ContainerId is not null)
                    ? instances
                    : null;
            }, Converge, $"{count} running instances of service {serviceId}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} Last seen: {last}", e);
        }
    }

    /// <summary>The container of an instance that must have one (every instance <see cref="RunningAsync"/> returns has).</summary>
    public static string ContainerOf(InstanceView instance)
    {
        Assert.NotNull(instance.ContainerId);
        return instance.ContainerId;
    }

    /// <summary>The environment address of an instance that must have one.</summary>
    public static string AddressOf(InstanceView instance)
    {
        Assert.NotNull(instance.Address);
        return instance.Address;
    }

    public static async Task ContainersAsync(string hostId, string serviceId, int count) =>
        await Wait.UntilAsync(async () =>
        {
            var containers = await LocalDocker.OfServiceAsync(hostId, serviceId);
            return containers.Count == count && containers.All(c => c.State == "running");
        }, Converge, $"{count} running containers of service {serviceId} in Docker");
}
