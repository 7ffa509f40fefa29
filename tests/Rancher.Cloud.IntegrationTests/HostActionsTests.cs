using System.Net;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// Two real hosts (namespaces with their own dockerd and agent): a published service spreads
/// one instance per host, and evacuate, activate and remove move it as operators expect.
/// </summary>
[Collection(MultiHostCollection.Name)]
public sealed class HostActionsTests(MultiHostFixture fixture)
{
    private SelfHostedControlPlane ControlPlane => fixture.ControlPlane;

    private async Task<int> RunningOnAsync(NamespaceHost host, string serviceId) =>
        (await host.Docker.Containers.ListContainersAsync(new() { All = false }))
            .Count(c => c.Labels.TryGetValue(Rancher.Cloud.Contracts.Labels.Service, out var s) && s == serviceId);

    [Fact]
    public async Task A_published_service_spreads_over_hosts_and_follows_evacuate_activate_and_remove()
    {
        using var api = ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"hosts-{Guid.NewGuid():N}"[..20]);
        await using var h1 = await fixture.Network.AddHostAsync();
        await using var h2 = await fixture.Network.AddHostAsync();
        await using var a1 = await h1.StartAgentAsync(ControlPlane.PublicUrl, (await api.CreateTokenAsync(envId)).Token);
        await using var a2 = await h2.StartAgentAsync(ControlPlane.PublicUrl, (await api.CreateTokenAsync(envId)).Token);

        var web = await api.CreateServiceAsync(envId, new { name = "web", image = LocalDocker.TestImage, ports = new[] { new { published = 8080, target = 80 } }, scale = 2 });
        var id = web.Id;
        var instances = await Services.RunningAsync(api, envId, id, 2);
        Assert.Equal(new[] { a1.HostId, a2.HostId }.Order(StringComparer.Ordinal), instances.Select(i => i.HostId).Order(StringComparer.Ordinal));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var host in new[] { h1, h2 })
        {
            Assert.Equal("rancher-cloud-test web\n", await Wait.ForAsync(() => http.GetStringAsync($"http://{host.Address}:8080/")!, TimeSpan.FromSeconds(20), $"port 8080 on {host.Name}"));
        }

        // Evacuate h1: its instance cannot go to h2 (port taken) and says why; nothing runs on h1.
        var evacuated = await Api.OkAsync<HostDetails>(await api.PostAsync($"environments/{envId}/hosts/{a1.HostId}/evacuate"));
        Assert.Equal("inactive", evacuated.State);
        await Wait.UntilAsync(async () => await RunningOnAsync(h1, id) == 0, Services.Converge, "h1 to be emptied");
        var service = await api.ServiceAsync(envId, id);
        Assert.NotNull(service.Placement);
        Assert.Equal(1, service.Placement.Unplaced);
        Assert.Contains(service.Placement.Reasons, r => r.HostId == a1.HostId && r.Reason == "host is inactive");

        // Activate h1 again: the missing instance goes back there.
        await Api.OkAsync<HostDetails>(await api.PostAsync($"environments/{envId}/hosts/{a1.HostId}/activate"));
        await Services.RunningAsync(api, envId, id, 2);

        // Remove h2: its agent is refused and exits; the host is listed as removed.
        await Api.OkAsync<HostDetails>(await api.DeleteAsync($"environments/{envId}/hosts/{a2.HostId}"));
        await Wait.UntilAsync(() => Task.FromResult(a2.HasExited), TimeSpan.FromSeconds(45), "the removed host's agent to exit");
        Assert.Equal(2, a2.ExitCode);
        Assert.Equal("removed", (await api.GetOkAsync<HostDetails>($"environments/{envId}/hosts/{a2.HostId}")).State);
        Assert.Single((await api.ServiceAsync(envId, id)).Instances);
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"environments/{envId}/hosts/{a2.HostId}/activate")).StatusCode);
    }
}
