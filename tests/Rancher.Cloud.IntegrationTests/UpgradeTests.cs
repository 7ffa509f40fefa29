using System.Net;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// Rolling upgrades on real namespace hosts, agents and HAProxy, under constant load through a
/// balancer: a new launch configuration rolls out a batch at a time without a failed request, a
/// version that fails its health check is rolled back by itself with the events saying why, and a
/// stop-first upgrade frees a published port before its replacement takes it.
/// </summary>
[Collection(MultiHostCollection.Name)]
public sealed class UpgradeTests(MultiHostFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Upgrading = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_rolling_upgrade_fails_no_request_and_a_failing_version_rolls_itself_back()
    {
        using var api = fixture.ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"upg-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 3,
            i => new Dictionary<string, string> { ["role"] = i == 0 ? "edge" : "app" });
        await group.Hosts[0].LoadImageAsync("rancher-cloud-test/haproxy:1");
        var web = await api.CreateServiceAsync(envId, new
        {
            name = "web", image = LocalDocker.TestImage, scale = 6, // two on each of the three hosts
            environment = new Dictionary<string, string> { ["RELEASE"] = "1" },
            // A start period: the test image's server may not listen yet at its first check.
            healthCheck = new { type = "http", port = 80, path = "/index.html", interval = "1s", timeout = "1s", retries = 1, startPeriod = "5s" },
            upgradePolicy = new { minHealthy = "1s" },
        });
        var lb = await api.CreateServiceAsync(envId, new
        {
            name = "lb",
            scheduling = new { hostLabels = new[] { new { key = "role", value = "edge" } } },
            loadBalancer = new { portRules = new[] { new { sourcePort = 80, service = "web", targetPort = 80 } }, drainTimeoutMs = 2000 },
        });
        var before = (await Services.RunningAsync(api, envId, web.Id, 6)).Select(i => Services.ContainerOf(i)[..12]).ToHashSet();
        await Services.RunningAsync(api, envId, lb.Id, 1);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{group.Hosts[0].Address}:80"), Timeout = TimeSpan.FromSeconds(10) };
        await Wait.UntilAsync(async () => before.IsSubsetOf(await Load.SeenAsync(http, 18)), Services.Converge, $"the six instances to answer through the balancer\n{group.Logs}");
        var path = $"environments/{envId}/services/{web.Id}";

        // A new launch configuration under constant load: batches of two, start-first, not one request lost.
        using (var load = new Load(http))
        {
            var started = await Api.OkAsync<ServiceView>(await api.PatchAsync(path, new { environment = new Dictionary<string, string> { ["RELEASE"] = "2" }, upgradePolicy = new { batchSize = 2, minHealthy = "1s" } }));
            Assert.Equal("upgrading", started.State);
            Assert.Equal(web.Version, started.Upgrade!.From);
            Assert.Equal("start-first", started.UpgradePolicy!.Order);
            // Another change while instances move is refused, saying why; so is an action that does not apply.
            var second = await api.PatchAsync(path, new { environment = new Dictionary<string, string> { ["RELEASE"] = "3" } });
            Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
            Assert.Contains("upgrading", (await Api.ProblemAsync(second)).Detail, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"{path}/upgrade/resume")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsync($"{path}/upgrade/explode")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsync($"{path}/upgrade/resume,rollback")).StatusCode);
            // The upgrade's own progress writes leave the client's tag as it was: a conditional write still goes through.
            using var direct = new HttpClient { BaseAddress = new Uri(fixture.ControlPlane.Url + "/api/v1/") };
            direct.DefaultRequestHeaders.Authorization = new("Bearer", SelfHostedControlPlane.AdminKey);
            var tag = (await direct.GetAsync(path)).Headers.ETag!.ToString();
            await Wait.UntilAsync(async () => (await api.ServiceAsync(envId, web.Id)).Upgrade!.Batches >= 2, Upgrading, "a second batch");
            using var conditional = new HttpRequestMessage(HttpMethod.Patch, path) { Content = JsonContent.Create(new { scale = 6 }) };
            conditional.Headers.TryAddWithoutValidation("If-Match", tag);
            Assert.Equal(HttpStatusCode.OK, (await direct.SendAsync(conditional)).StatusCode);

            var upgraded = await EndAsync(api, envId, web.Id, "upgraded");
            Assert.Equal(started.Upgrade.To, upgraded.Version);
            Assert.Equal(6, upgraded.Instances.Count);
            Assert.Equal(3, upgraded.Instances.Select(i => i.HostId).Distinct().Count());
            Assert.All(upgraded.Instances, i => Assert.Equal(upgraded.Version, i.Version));
            Assert.Equal(web.Version, upgraded.PreviousVersions[0].Version);
            var after = upgraded.Instances.Select(i => Services.ContainerOf(i)[..12]).ToHashSet();
            Assert.Empty(after.Intersect(before));
            await Wait.UntilAsync(async () => { load.Reset(); await Task.Delay(1500); return load.Seen.SetEquals(after); }, Services.Converge, "only the new instances to answer");
            var (requests, failures) = load.Stop();
            output.WriteLine($"{requests} requests during the upgrade of 6 instances over 3 hosts, {failures.Count} failed");
            Assert.True(requests > 50, $"only {requests} requests were sent");
            Assert.True(failures.Count == 0, $"{failures.Count} of {requests} requests failed: {string.Join("; ", failures.Take(5))}");
        }
        Assert.Contains("RELEASE=2", await EnvironmentOfAsync(group, (await api.ServiceAsync(envId, web.Id)).Instances[0]));

        // A version whose check fails is rolled back without anyone acting, still under load.
        using (var load = new Load(http))
        {
            var good = (await api.ServiceAsync(envId, web.Id)).Version;
            var nothing = await api.PostAsync($"{path}/upgrade", new { upgradePolicy = new { batchSize = 3 } });
            Assert.Equal(HttpStatusCode.BadRequest, nothing.StatusCode);
            var same = await api.PostAsync($"{path}/upgrade", new { environment = new Dictionary<string, string> { ["RELEASE"] = "2" } });
            Assert.Equal(HttpStatusCode.Conflict, same.StatusCode); // already that version: nothing to upgrade
            var broken = await Api.OkAsync<ServiceView>(await api.PostAsync($"{path}/upgrade", new
            {
                environment = new Dictionary<string, string> { ["RELEASE"] = "3" },
                healthCheck = new { type = "http", port = 80, path = "/missing.html", interval = "1s", timeout = "1s", retries = 1, startPeriod = "5s" },
                upgradePolicy = new { batchSize = 1, minHealthy = "2s" },
            }));
            Assert.Equal("upgrading", broken.State);
            Assert.Equal("1s", broken.UpgradePolicy!.MinHealthy); // the service's own policy, not this change's
            Assert.Equal("2s", broken.Upgrade!.Policy.MinHealthy);
            var rolledBack = await EndAsync(api, envId, web.Id, "rolled back");
            Assert.Equal(good, rolledBack.Version);
            Assert.All(rolledBack.Instances, i => Assert.Equal(good, i.Version));
            Assert.Contains("failed", rolledBack.Upgrade!.Reason ?? "", StringComparison.Ordinal);
            var (requests, failures) = load.Stop();
            output.WriteLine($"{requests} requests during the failed upgrade and its rollback, {failures.Count} failed");
            Assert.True(failures.Count == 0, $"{failures.Count} of {requests} requests failed: {string.Join("; ", failures.Take(5))}");
        }
        var events = await api.GetOkAsync<ControlPlane.Events.EventPage>($"environments/{envId}/events?type=upgrade.&limit=100");
        output.WriteLine(string.Join("\n", events.Items.Select(e => $"{e.Type}: {e.Message}")));
        Assert.Contains(events.Items, e => e.Type == "upgrade.started" && e.Subject == web.Id);
        Assert.Contains(events.Items, e => e.Type == "upgrade.upgraded" && e.Subject == web.Id);
        var why = Assert.Single(events.Items, e => e.Type == "upgrade.rolling-back");
        Assert.Contains("HTTP 404 from /missing.html", why.Message, StringComparison.Ordinal); // the failing check's own words
        Assert.Contains(events.Items, e => e.Type == "upgrade.rolled-back");
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"{path}/upgrade/pause")).StatusCode);
        await Wait.UntilAsync(async () => (await api.ServiceAsync(envId, web.Id)).Instances.All(i => i.RetiringSince is null), Services.Converge, "the drained instances to go");
    }

    [Fact]
    public async Task A_stop_first_upgrade_of_a_published_port_works_on_one_host()
    {
        using var api = fixture.ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"upgsf-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 1);
        var web = await api.CreateServiceAsync(envId, new
        {
            name = "web", image = LocalDocker.TestImage, environment = new Dictionary<string, string> { ["RELEASE"] = "1" },
            ports = new[] { new { published = 18090, target = 80 } },
        });
        var first = Services.ContainerOf((await Services.RunningAsync(api, envId, web.Id, 1))[0])[..12];
        using var http = new HttpClient { BaseAddress = new Uri($"http://{group.Hosts[0].Address}:18090"), Timeout = TimeSpan.FromSeconds(5) };
        await Wait.UntilAsync(async () => await Load.AnswerAsync(http) == first, Services.Converge, "the published port to answer");

        var started = await Api.OkAsync<ServiceView>(await api.PatchAsync($"environments/{envId}/services/{web.Id}", new { environment = new Dictionary<string, string> { ["RELEASE"] = "2" }, upgradePolicy = new { minHealthy = "0s" } }));
        Assert.Equal("stop-first", started.UpgradePolicy!.Order);
        var upgraded = await EndAsync(api, envId, web.Id, "upgraded");

        var instance = Assert.Single(upgraded.Instances);
        Assert.Equal(upgraded.Version, instance.Version);
        Assert.Contains("RELEASE=2", await EnvironmentOfAsync(group, instance));
        var second = Services.ContainerOf(instance)[..12];
        await Wait.UntilAsync(async () => await Load.AnswerAsync(http) == second, Services.Converge, "the new instance on the published port");
    }

    [Fact]
    public async Task A_service_rolls_back_to_any_kept_version_and_an_unknown_one_is_refused_saying_which_are_kept()
    {
        using var api = fixture.ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"upgrb-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 1);
        var web = await api.CreateServiceAsync(envId, new
        {
            name = "web", image = LocalDocker.TestImage, scale = 2, environment = new Dictionary<string, string> { ["RELEASE"] = "1" },
            upgradePolicy = new { minHealthy = "0s", rollback = new { batchSize = 2 } },
        });
        await Services.RunningAsync(api, envId, web.Id, 2);
        var path = $"environments/{envId}/services/{web.Id}";
        var versions = new List<string>();
        foreach (var release in new[] { "2", "3" })
        {
            await Api.OkAsync<ServiceView>(await api.PatchAsync(path, new { environment = new Dictionary<string, string> { ["RELEASE"] = release } }));
            versions.Add((await EndAsync(api, envId, web.Id, "upgraded")).Version);
        }
        var at3 = await api.ServiceAsync(envId, web.Id);
        Assert.Equal(versions[1], at3.Version);
        Assert.Equal([versions[0], web.Version], at3.PreviousVersions.Select(v => v.Version));

        using (var unknown = await api.PostAsync($"{path}/rollback", new { version = "0123456789ab" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, unknown.StatusCode);
            Assert.Contains($"kept: {versions[0]}, {web.Version}", (await Api.ProblemAsync(unknown)).Detail, StringComparison.Ordinal);
        }
        using (var malformed = await api.PostAsync($"{path}/rollback", new { version = "../../etc" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
            Assert.Contains("version", (await Api.ProblemAsync(malformed)).Errors.Keys);
        }
        Assert.Equal(at3.Version, (await api.ServiceAsync(envId, web.Id)).Version); // refusals changed nothing

        var rolling = await Api.OkAsync<ServiceView>(await api.PostAsync($"{path}/rollback", new { version = web.Version }));
        Assert.Equal(web.Version, rolling.Version);
        Assert.Equal(2, rolling.Upgrade!.Policy.BatchSize); // the rollback's pace
        var back = await EndAsync(api, envId, web.Id, "upgraded");
        Assert.All(back.Instances, i => Assert.Equal(web.Version, i.Version));
        foreach (var instance in back.Instances)
        {
            Assert.Contains("RELEASE=1", await EnvironmentOfAsync(group, instance));
        }
        var events = (await api.GetOkAsync<Rancher.Cloud.ControlPlane.Events.EventPage>($"environments/{envId}/events?type=upgrade.started")).Items;
        Assert.StartsWith($"web: rollback from version {at3.Version} to {web.Version} started by member ", events[0].Message, StringComparison.Ordinal);

        // With no version, the previous one: release 3 again.
        await Api.OkAsync<ServiceView>(await api.PostAsync($"{path}/rollback", new { }));
        Assert.Equal(at3.Version, (await EndAsync(api, envId, web.Id, "upgraded")).Version);
    }

    [Fact]
    public async Task An_upgrade_through_a_killed_agent_and_a_restarted_control_plane_ends_as_an_uninterrupted_one()
    {
        using var api = fixture.ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"upgint-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 2);
        var web = await api.CreateServiceAsync(envId, new
        {
            name = "web", image = LocalDocker.TestImage, scale = 4,
            environment = new Dictionary<string, string> { ["RELEASE"] = "1" },
            healthCheck = new { type = "http", port = 80, path = "/index.html", interval = "1s", timeout = "1s", retries = 1, startPeriod = "5s" },
            upgradePolicy = new { minHealthy = "2s" },
        });
        await Services.RunningAsync(api, envId, web.Id, 4);
        var path = $"environments/{envId}/services/{web.Id}";
        var started = await Api.OkAsync<ServiceView>(await api.PatchAsync(path, new { environment = new Dictionary<string, string> { ["RELEASE"] = "2" } }));
        await Wait.UntilAsync(async () => (await api.ServiceAsync(envId, web.Id)).Instances.Any(i => i.Version == started.Upgrade!.To), Upgrading, "the first batch to start");

        // Mid-way: one host's agent dies, then the control plane restarts; the agent comes back a little later.
        group.Agents[1].Kill();
        await fixture.ControlPlane.RestartAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        group.Agents[1].Restart();

        var upgraded = await EndAsync(api, envId, web.Id, "upgraded");
        Assert.Equal(4, upgraded.Instances.Count);
        Assert.All(upgraded.Instances, i => Assert.Equal(upgraded.Version, i.Version));
        // What runs on the hosts is what the control plane says: no old container left behind, none twice.
        var wanted = upgraded.Instances.Select(Services.ContainerOf).ToHashSet();
        await Wait.UntilAsync(async () => (await ContainersOfAsync(group, web.Id)).SetEquals(wanted), Services.Converge, $"the hosts to run exactly the upgraded instances\n{group.Logs}");
        foreach (var instance in upgraded.Instances)
        {
            Assert.Contains("RELEASE=2", await EnvironmentOfAsync(group, instance));
        }
    }

    private static async Task<HashSet<string>> ContainersOfAsync(HostGroup group, string serviceId)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var host in group.Hosts)
        {
            ids.UnionWith((await host.Docker.Containers.ListContainersAsync(new() { All = true }))
                .Where(c => c.Labels.TryGetValue(Labels.Service, out var s) && s == serviceId).Select(c => c.ID));
        }
        return ids;
    }

    /// <summary>Waits for the upgrade to end as <paramref name="state"/>; the states it passed through are shown if it does not.</summary>
    private async Task<ServiceView> EndAsync(Api api, string envId, string serviceId, string state)
    {
        var seen = new List<string>();
        try
        {
            return await Wait.ForAsync(async () =>
            {
                var service = await api.ServiceAsync(envId, serviceId);
                var now = $"{service.State} ({service.Upgrade?.Reason}) {string.Join(",", service.Instances.Select(i => $"{i.Slot}:{i.Version}:{i.State}:{i.Health}"))}";
                if (seen.Count == 0 || seen[^1] != now)
                {
                    seen.Add(now);
                }
                return service.Upgrade?.State == state && service.Instances.All(i => i.RetiringSince is null) ? service : null;
            }, Upgrading, $"the upgrade to end {state}");
        }
        finally
        {
            output.WriteLine(string.Join("\n", seen));
        }
    }

    /// <summary>The environment a container was made with (the test image's CGI does not pass it on).</summary>
    private static async Task<IList<string>> EnvironmentOfAsync(HostGroup group, InstanceView instance) =>
        (await group.HostOf(instance.HostId).Docker.Containers.InspectContainerAsync(Services.ContainerOf(instance))).Config?.Env ?? [];
}
