using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// Each concern of the agent reports how it stands, and the host shows it: a tunnel that cannot
/// be set up is the host's network condition, seen through the API, not only a line in the
/// agent's log; containers keep running meanwhile, and the condition clears once it works.
/// </summary>
[Collection(MultiHostCollection.Name)]
public sealed class HostConditionTests(MultiHostFixture fixture, ITestOutputHelper output)
{
    private const string FailingWg = """
        #!/bin/sh
        # The real wg, except that "wg set" fails while the fail file exists.
        if [ "$1" = set ] && [ -e "$0.fail" ]; then
          echo "wg: simulated failure: Operation not permitted" >&2
          exit 1
        fi
        exec /usr/bin/wg "$@"
        """;

    [Fact]
    public async Task A_tunnel_that_fails_shows_in_the_hosts_network_condition_and_clears_when_it_works()
    {
        using var api = fixture.ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"cond-{Guid.NewGuid():N}"[..20]);
        await using var group = new HostGroup(output);
        var tools = Directory.CreateTempSubdirectory("rancher-cloud-tools-").FullName;
        var wg = Path.Combine(tools, "wg");
        await File.WriteAllTextAsync(wg, FailingWg);
        File.SetUnixFileMode(wg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await File.WriteAllTextAsync(wg + ".fail", "");
        var agent = await group.AddHostAsync(fixture, api, envId, toolsFirst: tools);
        var web = await api.CreateServiceAsync(envId, new { name = "web", image = LocalDocker.TestImage });

        // The container runs (it needs only the bridge), and the host says why its tunnel does not.
        await Services.RunningAsync(api, envId, web.Id, 1);
        var failing = await Wait.ForAsync(async () => Condition(await api.GetOkAsync<HostDetails>($"environments/{envId}/hosts/{agent.HostId}"), "network") is { } c && !c.Ready ? c : null,
            TimeSpan.FromSeconds(30), "the host's network condition to say the tunnel failed");
        Assert.Contains("tunnel", failing.Error, StringComparison.Ordinal);
        Assert.Contains("simulated failure", failing.Error, StringComparison.Ordinal);
        var host = await api.GetOkAsync<HostDetails>($"environments/{envId}/hosts/{agent.HostId}");
        var containers = Condition(host, "containers");
        Assert.NotNull(containers);
        Assert.True(containers.Ready);

        File.Delete(wg + ".fail");
        await Wait.UntilAsync(async () => Condition(await api.GetOkAsync<HostDetails>($"environments/{envId}/hosts/{agent.HostId}"), "network") is { } c && c.Ready && c.Error is null,
            TimeSpan.FromSeconds(30), "the network condition to clear once the tunnel is set up");
        Directory.Delete(tools, recursive: true);
    }

    private static HostCondition? Condition(HostDetails host, string concern) =>
        host.Conditions?.FirstOrDefault(c => c.Concern == concern);
}
