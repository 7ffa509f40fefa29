using System.Diagnostics;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// A host whose agent is busy converging for longer than the disconnection timeout (a big image,
/// a slow engine, a loaded machine) is not a lost host: it keeps heartbeating, stays active, and
/// keeps its instances. Its converge is held up for real: its <c>wg set</c> waits on a file.
/// </summary>
[Collection(MultiHostCollection.Name)]
public sealed class SlowConvergeTests(MultiHostFixture fixture, ITestOutputHelper output)
{
    /// <summary>Longer than the 45 s after which a silent host is disconnected.</summary>
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(50);

    private const string HeldWg = """
        #!/bin/sh
        # The real wg, except that "wg set" waits while the hold file exists.
        if [ "$1" = set ] && [ -e "$0.hold" ]; then
          touch "$0.held"
          while [ -e "$0.hold" ]; do sleep 0.2; done
        fi
        exec /usr/bin/wg "$@"
        """;

    [Fact]
    public async Task A_host_busy_converging_longer_than_the_timeout_stays_active_and_keeps_its_instance()
    {
        using var api = fixture.ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"slow-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 1);
        var tools = Directory.CreateTempSubdirectory("rancher-cloud-tools-").FullName;
        var wg = Path.Combine(tools, "wg");
        await File.WriteAllTextAsync(wg, HeldWg);
        File.SetUnixFileMode(wg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await group.AddHostAsync(fixture, api, envId, new Dictionary<string, string> { ["role"] = "busy" }, tools);
        var busyId = group.Agents[^1].HostId;

        var web = await api.CreateServiceAsync(envId, new
        {
            name = "web", image = LocalDocker.TestImage,
            scheduling = new { hostLabels = new[] { new { key = "role", value = "busy" } } },
        });
        var serviceId = web.Id;
        var instanceId = (await Services.RunningAsync(api, envId, serviceId, 1))[0].Id;
        await Wait.UntilAsync(async () => await group.PeersAsync(1) == 1, TimeSpan.FromSeconds(30), "the busy host to have its first peer");

        // A third host joining changes the busy host's peers: its converge runs "wg set" and waits there.
        await File.WriteAllTextAsync(wg + ".hold", "");
        await group.AddHostAsync(fixture, api, envId);
        await Wait.UntilAsync(() => Task.FromResult(File.Exists(wg + ".held")), TimeSpan.FromSeconds(30), "the busy host's converge to be held up");

        var held = Stopwatch.StartNew();
        while (held.Elapsed < Hold)
        {
            var state = (await api.GetOkAsync<HostDetails>($"environments/{envId}/hosts/{busyId}")).State;
            var instances = (await api.ServiceAsync(envId, serviceId)).Instances;
            Assert.True(state == "active", $"the busy host is {state} {held.Elapsed.TotalSeconds:0} s into its converge");
            Assert.Equal(instanceId, Assert.Single(instances).Id);
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        File.Delete(wg + ".hold");
        output.WriteLine($"held {held.Elapsed.TotalSeconds:0} s; host active and instance kept throughout");

        // Released, the converge goes on: the new host becomes its peer.
        await Wait.UntilAsync(async () => await group.PeersAsync(1) == 2, TimeSpan.FromSeconds(30), "the busy host to take the new peer once released");
        Assert.Equal(instanceId, (await Services.RunningAsync(api, envId, serviceId, 1))[0].Id);
        Directory.Delete(tools, recursive: true);
    }
}
