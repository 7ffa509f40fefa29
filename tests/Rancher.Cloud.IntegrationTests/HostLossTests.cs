using System.Diagnostics;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// Host loss on three real hosts, two ways: one host's engine stops, or its link goes down while
/// its containers keep running (a network partition). Either way its instance runs on another
/// host within 70 s of the loss, and when the host returns its stale container is gone.
/// </summary>
[Collection(MultiHostCollection.Name)]
public sealed class HostLossTests(MultiHostFixture fixture, ITestOutputHelper output)
{
    /// <summary>
    /// From the loss: the host's last beat came up to 15 s before it, it is disconnected 45 s after
    /// that beat, the next reconcile comes within 10 s, and the instance starts on another host.
    /// </summary>
    private static readonly TimeSpan Bound = HostLiveness.Timeout + TimeSpan.FromSeconds(10) + TimeSpan.FromSeconds(15);

    private static async Task<int> ContainersOfAsync(NamespaceHost host, string serviceId) =>
        (await host.Docker.Containers.ListContainersAsync(new() { All = true }))
            .Count(c => c.Labels.TryGetValue(Labels.Service, out var s) && s == serviceId);

    [Fact]
    public async Task A_host_whose_engine_stops_loses_its_instance_within_70_s_and_drops_its_stale_container_when_back()
    {
        await LoseAndReturnAsync(
            "engine",
            lose: host => host.StopDockerAsync(),
            restore: host => host.StartDockerAsync());
    }

    [Fact]
    public async Task A_host_cut_off_by_a_partition_loses_its_instance_within_70_s_while_its_container_runs_and_drops_it_when_back()
    {
        await LoseAndReturnAsync(
            "partition",
            lose: host => host.SetLinkAsync(up: false),
            restore: host => host.SetLinkAsync(up: true),
            whileLost: async (host, serviceId) => Assert.Equal(1, await ContainersOfAsync(host, serviceId))); // still running behind the partition
    }

    private async Task LoseAndReturnAsync(
        string how, Func<NamespaceHost, Task> lose, Func<NamespaceHost, Task> restore, Func<NamespaceHost, string, Task>? whileLost = null)
    {
        using var api = fixture.ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"loss-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 3);
        var web = await api.CreateServiceAsync(envId, new { name = "web", image = LocalDocker.TestImage, ports = new[] { new { published = 8081, target = 80 } }, scale = 2 });
        var id = web.Id;
        var before = await Services.RunningAsync(api, envId, id, 2);
        var lostId = before[0].HostId;
        var lost = group.HostOf(lostId);

        // Timed from the moment of the loss, not from when it is complete.
        var watch = Stopwatch.StartNew();
        await lose(lost);
        var last = "";
        try
        {
            await Wait.UntilAsync(async () =>
            {
                var service = await api.ServiceAsync(envId, id);
                var hostStates = (await api.ItemsAsync<HostDetails>($"environments/{envId}/hosts")).Select(h => $"{h.Id}:{h.State}");
                var instances = service.Instances;
                last = $"{Api.Show(instances)} placement={Api.Show(service.Placement)} hosts={string.Join(',', hostStates)}";
                return instances.Count == 2 && instances.All(i => i.State == "running" && i.HostId != lostId);
            }, TimeSpan.FromSeconds(90), "the lost host's instance to run elsewhere");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} Last seen: {last}; lost {lostId}", e);
        }
        var moved = watch.Elapsed;
        output.WriteLine($"{how}: instance running elsewhere {moved.TotalSeconds:0.0} s after the loss");
        Assert.True(moved <= Bound, $"{how}: took {moved.TotalSeconds:0.0} s");
        Assert.Equal("disconnected", (await api.GetOkAsync<HostDetails>($"environments/{envId}/hosts/{lostId}")).State);
        if (whileLost is not null)
        {
            await whileLost(lost, id);
        }

        await restore(lost);
        await Wait.UntilAsync(async () => await ContainersOfAsync(lost, id) == 0, TimeSpan.FromSeconds(60), "the returning host's stale container to be removed");
        await Wait.UntilAsync(async () => (await api.GetOkAsync<HostDetails>($"environments/{envId}/hosts/{lostId}")).State == "active",
            TimeSpan.FromSeconds(30), "the returning host to be active");
        Assert.Equal(2, (await api.ServiceAsync(envId, id)).Instances.Count);
    }
}
