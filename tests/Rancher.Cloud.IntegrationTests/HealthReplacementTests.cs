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
        var stack = await Api.OkAsync(await api.PostAsync($"environments/{envId}/stacks", new { name = "hc", compose = Compose }));
        var serviceId = (string)stack["services"]![0]!["id"]!;
        // The global service runs once on each of the three hosts.
        var monitor = await Services.RunningAsync(api, envId, (string)stack["services"]![1]!["id"]!, 3);
        Assert.Equal(3, monitor.Select(i => (string?)i!["hostId"]).Distinct().Count());
        Assert.Equal(flaky, (string?)stack["services"]![0]!["instances"]![0]!["hostId"]);

        var last = "";
        System.Text.Json.Nodes.JsonNode replaced;
        try
        {
            replaced = await Wait.ForAsync(async () =>
            {
                var service = await api.ServiceAsync(envId, serviceId);
                last = service["instances"]!.ToJsonString();
                var instance = service["instances"]!.AsArray().SingleOrDefault();
                return instance is not null && (string?)instance["hostId"] != flaky && (string?)instance["health"] == "healthy" ? instance : null;
            }, TimeSpan.FromSeconds(60), "a healthy replacement on another host");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last seen {last}", e);
        }
        output.WriteLine($"replaced on {replaced["hostId"]}");

        await Wait.UntilAsync(async () => (await group.Hosts[0].Docker.Containers.ListContainersAsync(new() { All = true })).Count == 1,
            TimeSpan.FromSeconds(30), "the failing host's api container to be removed (its monitor stays)");
    }
}
