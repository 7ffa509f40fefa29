using System.Diagnostics;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// Host loss on three real hosts: stop one host's dockerd and its instance runs on another
/// within 60 s; bring it back and its stale container is gone.
/// </summary>
[Collection(MultiHostCollection.Name)]
public sealed class HostLossTests(MultiHostFixture fixture, ITestOutputHelper output)
{
    private static async Task<int> ContainersOfAsync(NamespaceHost host, string serviceId) =>
        (await host.Docker.Containers.ListContainersAsync(new() { All = true }))
            .Count(c => c.Labels.TryGetValue(Labels.Service, out var s) && s == serviceId);

    [Fact]
    public async Task A_lost_hosts_instance_moves_within_60_s_and_its_stale_container_goes_when_it_returns()
    {
        var controlPlane = fixture.ControlPlane;
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"loss-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 3);
        var web = await api.CreateServiceAsync(envId, new { name = "web", image = LocalDocker.TestImage, ports = new[] { new { published = 8081, target = 80 } }, scale = 2 });
        var id = (string)web["id"]!;
        var before = await Services.RunningAsync(api, envId, id, 2);
        var lostId = (string)before[0]!["hostId"]!;
        var lost = group.HostOf(lostId);

        await lost.StopDockerAsync();
        var watch = Stopwatch.StartNew();
        var last = "";
        try
        {
            await Wait.UntilAsync(async () =>
            {
                var service = await api.ServiceAsync(envId, id);
                var hostStates = (await api.GetOkAsync($"environments/{envId}/hosts"))["items"]!.AsArray().Select(h => $"{h!["id"]}:{h["state"]}");
                last = $"{service["instances"]!.ToJsonString()} placement={service["placement"]?.ToJsonString()} hosts={string.Join(',', hostStates)}";
                var instances = service["instances"]!.AsArray();
                return instances.Count == 2 && instances.All(i => (string?)i!["state"] == "running" && (string?)i["hostId"] != lostId);
            }, TimeSpan.FromSeconds(90), "the lost host's instance to run elsewhere");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} Last seen: {last}; lost {lostId}", e);
        }
        output.WriteLine($"instance running elsewhere {watch.Elapsed.TotalSeconds:0.0} s after dockerd stopped");
        Assert.True(watch.Elapsed <= TimeSpan.FromSeconds(60), $"took {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal("disconnected", (string?)(await api.GetOkAsync($"environments/{envId}/hosts/{lostId}"))["state"]);

        await lost.StartDockerAsync();
        await Wait.UntilAsync(async () => await ContainersOfAsync(lost, id) == 0, TimeSpan.FromSeconds(60), "the returning host's stale container to be removed");
        await Wait.UntilAsync(async () => (string?)(await api.GetOkAsync($"environments/{envId}/hosts/{lostId}"))["state"] == "active",
            TimeSpan.FromSeconds(30), "the returning host to be active");
        Assert.Equal(2, (await api.ServiceAsync(envId, id))["instances"]!.AsArray().Count);
    }
}
