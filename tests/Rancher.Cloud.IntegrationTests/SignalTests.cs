using System.Diagnostics;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// Plans reach agents by signal, not only by polling: every other test's agent polls every 3 s,
/// so a broken signal path would pass them all. Here polling and heartbeats are ten minutes
/// apart, so only the signal can bring the plan in time.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class SignalTests(SelfHostedControlPlane controlPlane)
{
    [Fact]
    public async Task A_new_plan_reaches_an_agent_that_neither_polls_nor_heartbeats_in_time()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"signal-{Guid.NewGuid():N}"[..20]);
        var token = (await api.CreateTokenAsync(envId)).Token;
        await using var agent = await AgentProcess.RegisterAsync(
            controlPlane.Url, token, pollInterval: TimeSpan.FromMinutes(10), launch: new AgentLaunch([], ["--heartbeat-interval", "00:10:00"]));
        // The first beat hands the agent its signal channel; wait until it listens.
        await Wait.UntilAsync(() => Task.FromResult(agent.Log.Contains("Listening for signals", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "the agent to listen for signals");

        var clock = Stopwatch.StartNew();
        var web = await api.CreateServiceAsync(envId, new { name = "web", image = LocalDocker.TestImage });
        await Wait.UntilAsync(async () => (await LocalDocker.OfServiceAsync(agent.HostId, web.Id)).Count == 1,
            TimeSpan.FromSeconds(25), $"the container to be created by signal alone; agent log:\n{agent.Log}");

        // Well inside both intervals (and the 45 s after which a silent host is disconnected).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25));
    }
}
