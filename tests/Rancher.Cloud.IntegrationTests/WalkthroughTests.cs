using System.Net;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>The walking skeleton as a new user tries it: real HTTP, real agent, real Docker.</summary>
[Collection(SystemCollection.Name)]
public sealed class WalkthroughTests(SelfHostedControlPlane controlPlane)
{
    [Fact]
    public async Task A_host_registers_and_runs_a_published_service_that_answers_on_loopback()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync("walkthrough");
        var token = await api.CreateTokenAsync(envId);
        Assert.StartsWith($"curl -fsSL {controlPlane.Url}/install.sh | sh -s -- --url {controlPlane.Url} --token rcr.", token.Command);
        await using var agent = await AgentProcess.RegisterAsync(controlPlane.Url, token.Token);

        var host = await Wait.ForAsync(async () =>
            (await api.ItemsAsync<HostDetails>($"environments/{envId}/hosts")).SingleOrDefault(h => h.State == "active"),
            TimeSpan.FromSeconds(30), "the host to be listed active");
        Assert.Equal(agent.HostId, host.Id);
        Assert.False(string.IsNullOrEmpty(host.Hostname));
        Assert.False(string.IsNullOrEmpty(host.DockerVersion));
        Assert.True(host.Cpus > 0);
        Assert.True(host.MemoryBytes > 0);

        var port = Azurite.FreePort();
        var web = await api.CreateServiceAsync(envId, new
        {
            name = "web",
            image = LocalDocker.TestImage,
            command = new[] { "/bin/httpd", "-f", "-p", "80", "-h", "/www" },
            environment = new Dictionary<string, string> { ["GREETING"] = "hello-from-rancher-cloud" },
            ports = new[] { new { published = port, target = 80 } },
            scale = 1,
        });
        var webId = web.Id;
        var instance = Assert.Single(await Services.RunningAsync(api, envId, webId, 1));
        Assert.Equal(agent.HostId, instance.HostId);

        var container = Assert.Single(await LocalDocker.OfServiceAsync(agent.HostId, webId));
        Assert.Equal(instance.ContainerId, container.ID);
        Assert.Equal(instance.Id, container.Labels[Labels.Instance]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var page = await Wait.ForAsync(() => http.GetStringAsync("/")!, TimeSpan.FromSeconds(10), "the published port to answer");
        Assert.Equal("rancher-cloud-test web\n", page);
        Assert.Contains("GREETING=hello-from-rancher-cloud", await http.GetStringAsync("/cgi-bin/env"), StringComparison.Ordinal);
        Assert.Equal("active", (await api.ServiceAsync(envId, webId)).State);
    }

    [Fact]
    public async Task Docker_follows_scale_up_scale_down_and_delete()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync("scaling");
        await using var agent = await controlPlane.StartAgentAsync(api, envId);

        var worker = await api.CreateServiceAsync(envId, new { name = "worker", image = LocalDocker.TestImage, command = new[] { "sleep", "3600" }, scale = 2 });
        var id = worker.Id;
        await Services.RunningAsync(api, envId, id, 2);

        var scaled = await Api.OkAsync<ServiceView>(await api.PatchAsync($"environments/{envId}/services/{id}", new { scale = 3 }));
        Assert.Equal(3, scaled.Scale);
        await Services.RunningAsync(api, envId, id, 3);
        await Services.ContainersAsync(agent.HostId, id, 3);

        await Api.OkAsync<ServiceView>(await api.PatchAsync($"environments/{envId}/services/{id}", new { scale = 1 }));
        var remaining = Assert.Single(await Services.RunningAsync(api, envId, id, 1));
        await Services.ContainersAsync(agent.HostId, id, 1);
        Assert.Equal(remaining.ContainerId, (await LocalDocker.OfServiceAsync(agent.HostId, id))[0].ID);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"environments/{envId}/services/{id}")).StatusCode);
        await Services.ContainersAsync(agent.HostId, id, 0);
        await Wait.UntilAsync(async () => (await api.GetAsync($"environments/{envId}/services/{id}")).StatusCode == HttpStatusCode.NotFound,
            Services.Converge, "the deleted service to read as not found");
    }

    [Fact]
    public async Task A_second_service_publishing_a_taken_port_is_refused_placement_with_the_reason()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync("port-clash");
        await using var agent = await controlPlane.StartAgentAsync(api, envId);
        var port = Azurite.FreePort();
        var ports = new[] { new { published = port, target = 80 } };
        var web = await api.CreateServiceAsync(envId, new { name = "web", image = LocalDocker.TestImage, ports, scale = 1 });
        await Services.RunningAsync(api, envId, web.Id, 1);

        var clash = await api.CreateServiceAsync(envId, new { name = "clash", image = LocalDocker.TestImage, ports, scale = 1 });

        Assert.Equal("degraded", clash.State);
        Assert.Empty(clash.Instances);
        Assert.NotNull(clash.Placement);
        var reason = Assert.Single(clash.Placement.Reasons);
        Assert.Equal(agent.HostId, reason.HostId);
        Assert.Equal("ports-free", reason.Constraint);
        Assert.Equal($"port {port}/tcp is already published on this host by service 'web'", reason.Reason);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Empty(await LocalDocker.OfServiceAsync(agent.HostId, clash.Id));
    }

    [Fact]
    public async Task An_agent_killed_mid_way_converges_after_restart_without_duplicates_or_orphans()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync("agent-restart");
        await using var agent = await controlPlane.StartAgentAsync(api, envId);
        var service = await api.CreateServiceAsync(envId, new { name = "app", image = LocalDocker.TestImage, command = new[] { "sleep", "3600" }, scale = 4 });
        var id = service.Id;

        // Killed while converging: some containers may be created, some started, some not yet.
        await Wait.UntilAsync(async () => (await LocalDocker.OfServiceAsync(agent.HostId, id)).Count > 0, Services.Converge, "a first container");
        agent.Kill();
        // While it is down: a container it no longer plans (an orphan), and one of its own removed by hand.
        var orphan = await LocalDocker.Client.Containers.CreateContainerAsync(new Docker.DotNet.Models.CreateContainerParameters
        {
            Image = LocalDocker.TestImage,
            Cmd = ["sleep", "3600"],
            Labels = new Dictionary<string, string> { [Labels.Host] = agent.HostId, [Labels.Instance] = "igone", [Labels.Service] = id, [Labels.SpecHash] = "x" },
        });
        var existing = await LocalDocker.OfServiceAsync(agent.HostId, id);
        await LocalDocker.Client.Containers.RemoveContainerAsync(existing.First(c => c.ID != orphan.ID).ID, new() { Force = true });

        agent.Restart();

        IReadOnlyList<InstanceView> instances;
        try
        {
            instances = await Services.RunningAsync(api, envId, id, 4);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nAgent log:\n{agent.Log}", e);
        }
        await Services.ContainersAsync(agent.HostId, id, 4);
        var containers = await LocalDocker.OfServiceAsync(agent.HostId, id);
        Assert.DoesNotContain(containers, c => c.ID == orphan.ID);
        Assert.Equal(
            instances.Select(i => i.Id).Order(StringComparer.Ordinal),
            containers.Select(c => c.Labels[Labels.Instance]).Order(StringComparer.Ordinal));
        Assert.Equal(instances.Select(i => i.ContainerId).Order(StringComparer.Ordinal), containers.Select(c => c.ID).Order(StringComparer.Ordinal));
        // It kept its identity: still one host, not a second registration.
        Assert.Single(await api.ItemsAsync<HostDetails>($"environments/{envId}/hosts"));
    }
}
