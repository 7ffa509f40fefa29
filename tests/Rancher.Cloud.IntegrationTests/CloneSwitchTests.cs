using System.Net;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Events;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// Clone → switch → rollback → finish on real namespace hosts, agents and HAProxy, under constant
/// load through the balancer: a candidate takes none of the traffic until the switch, a canary a
/// share of it, a whole switch all of it, a rollback gives it back in one step, and finish leaves
/// the candidate serving; not one request fails on the way.
/// </summary>
[Collection(MultiHostCollection.Name)]
public sealed class CloneSwitchTests(MultiHostFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Clone_canary_switch_rollback_switch_and_finish_fail_no_request()
    {
        using var api = fixture.ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"blue-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 2,
            i => new Dictionary<string, string> { ["role"] = i == 0 ? "edge" : "app" });
        await group.Hosts[0].LoadImageAsync("rancher-cloud-test/haproxy:1");
        var web = await api.CreateServiceAsync(envId, new
        {
            name = "web", image = LocalDocker.TestImage, scale = 2, environment = new Dictionary<string, string> { ["RELEASE"] = "1" },
            healthCheck = new { type = "http", port = 80, path = "/index.html", interval = "1s", timeout = "1s", retries = 1, startPeriod = "5s" },
        });
        var lb = await api.CreateServiceAsync(envId, new
        {
            name = "lb",
            scheduling = new { hostLabels = new[] { new { key = "role", value = "edge" } } },
            loadBalancer = new { portRules = new[] { new { sourcePort = 80, service = "web", targetPort = 80 } }, drainTimeoutMs = 2000 },
        });
        var blue = (await Services.RunningAsync(api, envId, web.Id, 2)).Select(i => Services.ContainerOf(i)[..12]).ToHashSet();
        await Services.RunningAsync(api, envId, lb.Id, 1);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{group.Hosts[0].Address}:80"), Timeout = TimeSpan.FromSeconds(10) };
        await Wait.UntilAsync(async () => blue.IsSubsetOf(await Load.SeenAsync(http, 12)), Services.Converge, $"both instances to answer through the balancer\n{group.Logs}");
        var path = $"environments/{envId}/services/{web.Id}";

        // What cannot be cloned or switched says why, and changes nothing.
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"environments/{envId}/services/{lb.Id}/clone", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"{path}/switch", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"{path}/switch/rollback")).StatusCode);
        using (var bad = await api.PostAsync($"{path}/clone", new { launch = new { image = "Not An Image" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("launch.image", (await Api.ProblemAsync(bad)).Errors.Keys);
        }
        Assert.Equal(["lb", "web"], (await api.ItemsAsync<ServiceView>($"environments/{envId}/services")).Select(s => s.Spec.Name).Order());

        using var load = new Load(http);
        var candidate = await Api.OkAsync<ServiceView>(await api.PostAsync($"{path}/clone", new { launch = new { environment = new Dictionary<string, string> { ["RELEASE"] = "2" } } }));
        Assert.Equal("web-next", candidate.Spec.Name);
        Assert.Equal(web.Id, candidate.CandidateOf);
        Assert.NotEqual(web.Version, candidate.Version);
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"{path}/clone", new { name = "web-third" })).StatusCode); // one candidate at a time
        var green = (await Services.RunningAsync(api, envId, candidate.Id, 2)).Select(i => Services.ContainerOf(i)[..12]).ToHashSet();
        await AnswersAsync(load, blue, "the candidate to take no traffic before the switch");

        // A canary: a quarter of the balancer's traffic, once every candidate instance answers its check.
        var canary = await Wait.ForAsync(async () =>
        {
            using var response = await api.PostAsync($"{path}/switch", new { weight = 25 });
            return response.StatusCode == HttpStatusCode.OK ? await Api.OkAsync<ServiceView>(response) : null;
        }, Services.Converge, "the candidate to be healthy enough to switch to");
        Assert.Equal(25, canary.Traffic!.Weight);
        await AnswersAsync(load, [.. blue, .. green], "the canary to share the traffic");
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"{path}/switch/finish")).StatusCode); // a canary does not finish

        // All of it, back in one step, all of it again.
        await Api.OkAsync<ServiceView>(await api.PostAsync($"{path}/switch", new { }));
        await AnswersAsync(load, green, "the candidate alone to answer after the whole switch");
        Assert.Equal(HttpStatusCode.Conflict, (await api.DeleteAsync($"environments/{envId}/services/{candidate.Id}")).StatusCode); // it takes the traffic
        Assert.Equal(HttpStatusCode.Conflict, (await api.PatchAsync($"environments/{envId}/services/{candidate.Id}", new { scale = 0 })).StatusCode); // so does scaling it to nothing
        Assert.Null((await Api.OkAsync<ServiceView>(await api.PostAsync($"{path}/switch/rollback"))).Traffic);
        await AnswersAsync(load, blue, "the original alone to answer after the rollback");
        await Api.OkAsync<ServiceView>(await api.PostAsync($"{path}/switch", new { weight = 100 }));
        await AnswersAsync(load, green, "the candidate alone to answer again");

        // Finish: the original's containers go, its name stays as an alias, the balancer names the candidate.
        using (var early = await api.PostAsync($"{path}/switch/finish"))
        {
            // Straight after a switch the original's instances still drain (2 s here); finish says until when, or goes through.
            Assert.True(early.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{early.StatusCode}");
        }
        var finished = await Wait.ForAsync(async () =>
        {
            var read = await api.ServiceAsync(envId, web.Id);
            if (read.Spec.Alias is not null)
            {
                return read;
            }
            using var response = await api.PostAsync($"{path}/switch/finish");
            return response.StatusCode == HttpStatusCode.OK ? await Api.OkAsync<ServiceView>(response) : null;
        }, Services.Converge, "the switch to finish once the original has drained");
        Assert.Equal(["web-next"], finished.Spec.Alias);
        Assert.Equal(0, finished.Scale);
        await Wait.UntilAsync(async () => (await api.ServiceAsync(envId, web.Id)).Instances.Count == 0, Services.Converge, "the original's instances to go");
        Assert.Equal("web-next", (await api.ServiceAsync(envId, lb.Id)).Spec.Balancer!.Rules.Single().Service);
        // The alias runs nothing: it has no scale and nothing to roll back to.
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PatchAsync(path, new { scale = 2 })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"{path}/rollback", new { })).StatusCode);
        var promoted = await api.ServiceAsync(envId, candidate.Id);
        Assert.Null(promoted.CandidateOf);
        await AnswersAsync(load, green, "the candidate to keep answering after finish");

        var (requests, failures) = load.Stop();
        output.WriteLine($"{requests} requests through clone, canary, switch, rollback, switch and finish; {failures.Count} failed");
        Assert.True(requests > 50, $"only {requests} requests were sent");
        Assert.True(failures.Count == 0, $"{failures.Count} of {requests} requests failed: {string.Join("; ", failures.Take(5))}");
        var events = (await api.GetOkAsync<EventPage>($"environments/{envId}/events?type=traffic.")).Items.Select(e => e.Type).Reverse().ToList();
        Assert.Equal(["traffic.switched", "traffic.switched", "traffic.rolled-back", "traffic.switched", "traffic.finished"], events);
    }

    /// <summary>Waits until the requests of a moment are answered by exactly <paramref name="containers"/>.</summary>
    private static Task AnswersAsync(Load load, HashSet<string> containers, string what) =>
        Wait.UntilAsync(async () =>
        {
            load.Reset();
            await Task.Delay(1500);
            return load.Seen.SetEquals(containers);
        }, Services.Converge, what);
}
