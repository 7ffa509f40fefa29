using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// An instance failing its health check is replaced, and not on the host where it failed:
/// three real hosts, a check that passes only where the host provides a file. A global service
/// in the same stack runs once on every host.
/// </summary>
[Collection(MultiHostCollection.Name)]
public sealed class HealthReplacementTests(MultiHostFixture fixture, ITestOutputHelper output)
{
    private const string Compose = """
        services:
          api:
            image: rancher-cloud-test/web:1
            volumes:
              - ./flag:/flag:ro
            healthcheck:
              test: ["CMD", "cat", "/flag/ok"]
              interval: 1s
              timeout: 2s
              retries: 2
            labels:
              io.rancher.scheduler.affinity:host_label_soft: flaky=yes
          monitor:
            image: rancher-cloud-test/web:1
            command: sleep 3600
            deploy:
              mode: global
        """;

    [Fact]
    public async Task An_unhealthy_instance_is_replaced_on_another_host()
    {
        var controlPlane = fixture.ControlPlane;
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"health-{Guid.NewGuid():N}"[..20]);
        // The first host is the one the service prefers and the one where its check fails.
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 3,
            i => i == 0 ? new Dictionary<string, string> { ["flaky"] = "yes" } : null);
        foreach (var agent in group.Agents.Skip(1))
        {
            var flag = Path.Combine(agent.StateDir, "stacks", "hc", "flag");
            Directory.CreateDirectory(flag);
            await File.WriteAllTextAsync(Path.Combine(flag, "ok"), "ok");
        }
        var flaky = group.Agents[0].HostId;
        var stack = await Api.OkAsync<StackView>(await api.PostAsync($"environments/{envId}/stacks", new { name = "hc", compose = Compose }));
        var serviceId = stack.Services[0].Id;
        // The global service runs once on each of the three hosts.
        var monitor = await Services.RunningAsync(api, envId, stack.Services[1].Id, 3);
        Assert.Equal(3, monitor.Select(i => i.HostId).Distinct().Count());
        Assert.Equal(flaky, stack.Services[0].Instances[0].HostId);

        var last = "";
        InstanceView replaced;
        try
        {
            replaced = await Wait.ForAsync(async () =>
            {
                var service = await api.ServiceAsync(envId, serviceId);
                last = Api.Show(service.Instances);
                var instance = service.Instances.SingleOrDefault();
                return instance is not null && instance.HostId != flaky && instance.Health == "healthy" ? instance : null;
            }, TimeSpan.FromSeconds(60), "a healthy replacement on another host");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last seen {last}", e);
        }
        output.WriteLine($"replaced on {replaced.HostId}");
        // The step that replaced it recorded why, with the host it left.
        var events = await api.GetOkAsync<ControlPlane.Events.EventPage>($"environments/{envId}/events?type=instance.replaced");
        Assert.Contains(events.Items, e => e.Subject == serviceId && e.Message.Contains($"on host {flaky} replaced for failing its health check", StringComparison.Ordinal));

        await Wait.UntilAsync(async () => (await group.Hosts[0].Docker.Containers.ListContainersAsync(new() { All = true })).Count == 1,
            TimeSpan.FromSeconds(30), "the failing host's api container to be removed (its monitor stays)");
    }
}
