using Rancher.Cloud.ControlPlane.Environments;
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
        ServiceView healthy;
        try
        {
            healthy = await Wait.ForAsync(async () =>
            {
                var service = await api.ServiceAsync(envId, web.Id);
                last = Api.Show(service);
                return service.State == "active" ? service : null;
            }, Services.Converge, "the http-checked service to be active");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nlast seen: {last}\nagent:\n{agent.Log}", e);
        }
        Assert.Equal("healthy", healthy.Instances[0].Health);

        var closed = await api.CreateServiceAsync(envId, new
        {
            name = "closed", image = LocalDocker.TestImage,
            healthCheck = new { type = "tcp", port = 81, interval = "1s", timeout = "1s", retries = 2 },
        });
        var firstInstance = closed.Instances[0].Id;
        await Wait.UntilAsync(async () =>
        {
            var instances = (await api.ServiceAsync(envId, closed.Id)).Instances;
            return instances.Count == 1 && instances[0].Id != firstInstance;
        }, Services.Converge, "the unhealthy instance to be replaced");
        Assert.Equal("activating", (await api.ServiceAsync(envId, closed.Id)).State);
    }

    [Fact]
    public async Task Every_check_type_passes_and_fails_for_real_and_a_start_period_holds_the_verdict()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"checks2-{Guid.NewGuid():N}"[..20]);
        await using var agent = await controlPlane.StartAgentAsync(api, envId);

        // Passing: TCP on the open port, a command that exits 0. Failing: HTTP on a path that answers 404,
        // HTTP against a port that accepts but never answers (the timeout), a command that exits 1.
        var tcpOpen = await api.CreateServiceAsync(envId, new { name = "tcp-open", image = LocalDocker.TestImage, healthCheck = new { type = "tcp", port = 80, interval = "1s", timeout = "1s" } });
        var commandOk = await api.CreateServiceAsync(envId, new { name = "cmd-ok", image = LocalDocker.TestImage, healthCheck = new { type = "command", test = new[] { "CMD", "cat", "/www/index.html" }, interval = "1s" } });
        var http404 = await api.CreateServiceAsync(envId, new { name = "http-404", image = LocalDocker.TestImage, healthCheck = new { type = "http", port = 80, path = "/missing", interval = "1s", timeout = "1s", retries = 2 } });
        var silent = await api.CreateServiceAsync(envId, new
        {
            name = "http-silent", image = LocalDocker.TestImage, command = new[] { "nc", "-ll", "-p", "81", "-e", "sleep", "30" },
            healthCheck = new { type = "http", port = 81, path = "/", interval = "1s", timeout = "1s", retries = 2 },
        });
        var commandFails = await api.CreateServiceAsync(envId, new { name = "cmd-fails", image = LocalDocker.TestImage, healthCheck = new { type = "command", test = new[] { "CMD", "cat", "/missing" }, interval = "1s", retries = 2 } });
        var late = await api.CreateServiceAsync(envId, new { name = "start-period", image = LocalDocker.TestImage, healthCheck = new { type = "command", test = new[] { "CMD", "cat", "/missing" }, interval = "1s", retries = 1, startPeriod = "5m" } });

        foreach (var passing in new[] { tcpOpen, commandOk })
        {
            await Wait.UntilAsync(async () => (await api.ServiceAsync(envId, passing.Id)).Instances[0].Health == "healthy",
                Services.Converge, $"{passing.Spec.Name} to be healthy");
        }
        foreach (var failing in new[] { http404, silent, commandFails })
        {
            var first = failing.Instances[0].Id;
            await Wait.UntilAsync(async () => (await api.ServiceAsync(envId, failing.Id)).Instances[0].Id != first,
                Services.Converge, $"{failing.Spec.Name} to be replaced as unhealthy");
        }
        // Failing all along, but within its start period: starting, not unhealthy, and not replaced.
        var lateInstance = (await api.ServiceAsync(envId, late.Id)).Instances[0];
        Assert.Equal(late.Instances[0].Id, lateInstance.Id);
        Assert.Equal("starting", lateInstance.Health);
    }
}
