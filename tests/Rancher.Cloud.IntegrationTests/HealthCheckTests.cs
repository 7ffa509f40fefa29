using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>The agent's HTTP and TCP health checks against real containers, and what the platform does with their verdicts.</summary>
[Collection(SystemCollection.Name)]
public sealed class HealthCheckTests(SelfHostedControlPlane controlPlane)
{
    [Fact]
    public async Task An_http_check_that_answers_is_healthy_and_a_tcp_check_on_a_closed_port_gets_the_instance_replaced()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"checks-{Guid.NewGuid():N}"[..20]);
        await using var agent = await controlPlane.StartAgentAsync(api, envId);

        var web = await api.CreateServiceAsync(envId, new
        {
            name = "web", image = LocalDocker.TestImage,
            healthCheck = new { type = "http", port = 80, path = "/index.html", interval = "1s", timeout = "2s" },
        });
        var last = "";
        System.Text.Json.Nodes.JsonNode healthy;
        try
        {
            healthy = await Wait.ForAsync(async () =>
            {
                var service = await api.ServiceAsync(envId, (string)web["id"]!);
                last = service.ToJsonString();
                return (string?)service["state"] == "active" ? service : null;
            }, Services.Converge, "the http-checked service to be active");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nlast seen: {last}\nagent:\n{agent.Log}", e);
        }
        Assert.Equal("healthy", (string?)healthy["instances"]![0]!["health"]);

        var closed = await api.CreateServiceAsync(envId, new
        {
            name = "closed", image = LocalDocker.TestImage,
            healthCheck = new { type = "tcp", port = 81, interval = "1s", timeout = "1s", retries = 2 },
        });
        var firstInstance = (string)closed["instances"]![0]!["id"]!;
        await Wait.UntilAsync(async () =>
        {
            var instances = (await api.ServiceAsync(envId, (string)closed["id"]!))["instances"]!.AsArray();
            return instances.Count == 1 && (string?)instances[0]!["id"] != firstInstance;
        }, Services.Converge, "the unhealthy instance to be replaced");
        Assert.Equal("activating", (string?)(await api.ServiceAsync(envId, (string)closed["id"]!))["state"]);
    }
}
