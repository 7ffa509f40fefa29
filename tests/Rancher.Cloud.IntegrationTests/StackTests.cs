using System.Net;
using System.Text.Json.Nodes;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Events;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>Compose stacks over the API, deployed by a real agent on the real Docker Engine.</summary>
[Collection(SystemCollection.Name)]
public sealed class StackTests(SelfHostedControlPlane controlPlane)
{
    private const string Shop = """
        services:
          web:
            image: rancher-cloud-test/web:1
            ports: ["{PORT}:80"]
            environment:
              GREETING: hello $$USER
            labels:
              com.example.team: shop
            volumes:
              - data:/data
              - ./conf:/conf:ro
            healthcheck:
              test: ["CMD", "wget", "-q", "-O", "-", "http://127.0.0.1:80/"]
              interval: 1s
              retries: 2
            depends_on: [worker]
          worker:
            image: rancher-cloud-test/web:1
            command: sleep 3600
            deploy:
              replicas: 2
        volumes:
          data:
            labels:
              com.example.backup: nightly
        """;

    [Fact]
    public async Task A_compose_stack_deploys_reports_health_exports_and_deletes()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"stack-{Guid.NewGuid():N}"[..20]);
        await using var agent = await controlPlane.StartAgentAsync(api, envId);
        // The volume is created with its declared labels; one left by an earlier run would keep its own.
        try
        {
            await LocalDocker.Client.Volumes.RemoveAsync("shop_data", force: true);
        }
        catch (Docker.DotNet.DockerApiException)
        {
            // Not there: as it should be.
        }

        var port = Azurite.FreePort();
        var created = await Api.OkAsync<StackView>(await api.PostAsync($"environments/{envId}/stacks", new { name = "shop", compose = Shop.Replace("{PORT}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) }));
        var stackId = created.Id;
        Assert.Equal(["web", "worker"], created.Services.Select(s => s.Spec.Name));

        var last = "";
        StackView stack;
        try
        {
            stack = await Wait.ForAsync(async () =>
            {
                var read = await api.GetOkAsync<StackView>($"environments/{envId}/stacks/{stackId}");
                last = Api.Show(read);
                return read.State == "active" ? read : null;
            }, Services.Converge, "the stack to be active");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last seen {last}", e);
        }
        var web = stack.Services.Single(s => s.Spec.Name == "web");
        var instance = Assert.Single(web.Instances);
        Assert.Equal("healthy", instance.Health);
        Assert.Equal(2, stack.Services.Single(s => s.Spec.Name == "worker").Instances.Count);

        Assert.NotNull(instance.ContainerId);
        var container = await LocalDocker.Client.Containers.InspectContainerAsync(instance.ContainerId);
        Assert.Equal("shop", container.Config!.Labels["com.example.team"]);
        Assert.Equal("shop/web", container.Config.Labels[Labels.StackService]);
        Assert.Contains("GREETING=hello $USER", container.Config.Env);
        Assert.Contains(container.Mounts, m => m.Type == "volume" && m.Name == "shop_data" && m.Destination == "/data");
        Assert.Equal("nightly", (await LocalDocker.Client.Volumes.InspectAsync("shop_data")).Labels["com.example.backup"]);
        Assert.Contains(container.Mounts, m => m.Type == "bind" && m.Source == Path.Combine(agent.StateDir, "stacks", "shop", "conf") && !m.RW);

        var exported = await (await api.GetAsync($"environments/{envId}/stacks/{stackId}/compose")).Content.ReadAsStringAsync();
        Assert.Contains("replicas: 2", exported, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"environments/{envId}/stacks/{stackId}")).StatusCode);
        await Wait.UntilAsync(async () => (await LocalDocker.OwnedByAsync(agent.HostId)).Count == 0, Services.Converge, "the stack's containers to go");
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"environments/{envId}/stacks/{stackId}")).StatusCode);

        // What was exported imports again to the same stack.
        var again = await Api.OkAsync<StackView>(await api.PostAsync($"environments/{envId}/stacks", new { name = "shop", compose = exported }));
        var reExported = await (await api.GetAsync($"environments/{envId}/stacks/{again.Id}/compose")).Content.ReadAsStringAsync();
        Assert.Equal(exported, reExported);
    }

    private const string Revisable = """
        services:
          web:
            image: rancher-cloud-test/web:1
            environment:
              GREETING: one
            deploy:
              replicas: 2
              update_config:
                monitor: 0s
          worker:
            image: rancher-cloud-test/web:1
            command: sleep 3600

        """;

    [Fact]
    public async Task A_changed_compose_file_upgrades_adds_and_only_on_request_removes_and_a_dry_run_changes_nothing()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"revise-{Guid.NewGuid():N}"[..20]);
        await using var agent = await controlPlane.StartAgentAsync(api, envId);
        var stackId = (await Api.OkAsync<StackView>(await api.PostAsync($"environments/{envId}/stacks", new { name = "shop", compose = Revisable }))).Id;
        var path = $"environments/{envId}/stacks/{stackId}";
        var before = await Wait.ForAsync(async () => await api.GetOkAsync<StackView>(path) is { State: "active" } s ? s : null, Services.Converge, "the stack to be active");
        var web = before.Services.Single(s => s.Spec.Name == "web");
        var worker = before.Services.Single(s => s.Spec.Name == "worker");
        var revised = Revisable.Replace("GREETING: one", "GREETING: two", StringComparison.Ordinal)
            .Replace("  worker:\n    image: rancher-cloud-test/web:1\n    command: sleep 3600\n", "  extra:\n    image: rancher-cloud-test/web:1\n    command: sleep 3600\n", StringComparison.Ordinal);

        // A dry run lists each service's change and writes nothing.
        var plan = await Api.OkAsync<StackRevisionView>(await api.PutAsync($"{path}?dryRun=true", new { compose = revised }));
        Assert.True(plan.DryRun);
        Assert.Null(plan.Stack);
        Assert.Equal(
            ["web upgrade environment", "extra add ", "worker keep "],
            plan.Changes.Select(c => $"{c.Service} {c.Change} {string.Join(",", c.Fields)}"));
        Assert.Equal(web.Version, plan.Changes[0].FromVersion);
        Assert.True((await Api.OkAsync<StackRevisionView>(await api.PutAsync($"{path}?dryRun", new { compose = revised }))).DryRun); // bare, as a reader takes it
        var unchanged = await api.GetOkAsync<StackView>(path);
        Assert.Equal(["web", "worker"], unchanged.Services.Select(s => s.Spec.Name));
        Assert.Equal(web.Version, unchanged.Services[0].Version);
        Assert.Null(unchanged.Services[0].Upgrade);

        // Bad input changes nothing either: a query flag that is not a yes/no, a file with an error on a line, another name.
        using (var badFlag = await api.PutAsync($"{path}?dryRun=maybe", new { compose = revised }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badFlag.StatusCode);
            Assert.Contains("dryRun", (await Api.ProblemAsync(badFlag)).Errors.Keys);
        }
        using (var badFile = await api.PutAsync(path, new { compose = revised.Replace("replicas: 2", "replicas: -1", StringComparison.Ordinal) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badFile.StatusCode);
            Assert.StartsWith("line ", Assert.Single((await Api.ProblemAsync(badFile)).Errors).Value[0], StringComparison.Ordinal);
        }
        using (var renamed = await api.PutAsync(path, new { name = "other", compose = revised }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, renamed.StatusCode);
            Assert.Contains("name", (await Api.ProblemAsync(renamed)).Errors.Keys);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await api.PutAsync($"environments/{envId}/stacks/k{Guid.NewGuid():N}"[..^8], new { compose = revised })).StatusCode);
        Assert.Equal(web.Version, (await api.ServiceAsync(envId, web.Id)).Version);

        // The revision: web rolls to the new environment, extra is created, worker stays (not asked to remove).
        var done = await Api.OkAsync<StackRevisionView>(await api.PutAsync(path, new { compose = revised }));
        Assert.False(done.DryRun);
        Assert.Equal(["web", "extra", "worker"], done.Stack!.Services.Select(s => s.Spec.Name));
        var upgraded = await Wait.ForAsync(async () =>
        {
            var service = await api.ServiceAsync(envId, web.Id);
            return service.Upgrade?.State == "upgraded" && service.Instances.Count == 2 && service.Instances.All(i => i.Version == service.Version && i.State == "running") ? service : null;
        }, Services.Converge, "web to finish its upgrade");
        Assert.NotEqual(web.Version, upgraded.Version);
        Assert.Equal(web.Version, upgraded.Upgrade!.From);
        foreach (var instance in upgraded.Instances)
        {
            Assert.Contains("GREETING=two", (await LocalDocker.Client.Containers.InspectContainerAsync(instance.ContainerId!)).Config!.Env);
        }
        await Wait.ForAsync(async () => await api.GetOkAsync<StackView>(path) is { State: "active" } s ? s : null, Services.Converge, "the revised stack to be active");
        Assert.Equal(worker.Instances[0].ContainerId, (await api.ServiceAsync(envId, worker.Id)).Instances.Single().ContainerId); // kept, untouched

        // The same file again changes nothing; with removeMissing, worker goes with its container.
        Assert.All((await Api.OkAsync<StackRevisionView>(await api.PutAsync(path, new { compose = revised }))).Changes, c => Assert.Contains(c.Change, new[] { "unchanged", "keep" }));
        var removal = await Api.OkAsync<StackRevisionView>(await api.PutAsync($"{path}?removeMissing=true", new { compose = revised }));
        Assert.Equal("remove", removal.Changes.Single(c => c.Service == "worker").Change);
        Assert.Equal(["web", "extra"], removal.Stack!.Services.Select(s => s.Spec.Name));
        await Wait.UntilAsync(async () => (await LocalDocker.OfServiceAsync(agent.HostId, worker.Id)).Count == 0, Services.Converge, "worker's container to go");
        Assert.DoesNotContain("worker", await (await api.GetAsync($"{path}/compose")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var events = (await api.GetOkAsync<EventPage>($"environments/{envId}/events?type=stack.revised")).Items;
        Assert.Equal(["stack shop revised: 1 remove", "stack shop revised: 1 upgrade, 1 add"], events.Select(e => e.Message));
    }

    [Fact]
    public async Task A_bad_compose_file_is_refused_with_its_line_and_nothing_is_stored()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"badstack-{Guid.NewGuid():N}"[..20]);

        using var response = await api.PostAsync($"environments/{envId}/stacks", new
        {
            name = "shop",
            compose = "services:\n  web:\n    image: nginx\n    ports: [\"80:80\", \"99999:80\"]\n  db:\n    image: postgres\n    privileged: true\n",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Api.ProblemAsync(response)).Errors;
        Assert.Equal("line 4: must be between 1 and 65535", errors["services.web.ports[1].published"][0]);
        Assert.StartsWith("line 7: privileged containers are refused by the environment's 'baseline' host-access policy", errors["services.db.hostAccess.privileged"][0], StringComparison.Ordinal);
        Assert.Empty(await api.ItemsAsync<StackView>($"environments/{envId}/stacks"));
        Assert.Empty(await api.ItemsAsync<ServiceView>($"environments/{envId}/services"));
    }

    [Fact]
    public async Task Every_sample_compose_file_imports_over_the_api_and_its_export_imports_unchanged_or_is_refused_by_line()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"samples-{Guid.NewGuid():N}"[..20]);
        // portainer binds the Docker socket, which only a 'privileged' environment allows.
        await Api.OkAsync<EnvironmentView>(await api.PatchAsync($"environments/{envId}", new { policy = "privileged" }));
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "compose-samples"), "*.yaml").Order().ToList();
        Assert.Equal(20, files.Count);
        var imported = 0;
        foreach (var file in files)
        {
            var name = Path.GetFileNameWithoutExtension(file).ToLowerInvariant()[..Math.Min(30, Path.GetFileNameWithoutExtension(file).Length)].TrimEnd('-');
            using var response = await api.PostAsync($"environments/{envId}/stacks", new { name, compose = await File.ReadAllTextAsync(file) });
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                var errors = (await Api.ProblemAsync(response)).Errors;
                Assert.NotEmpty(errors); // Assert.All alone would pass a refusal that named no field
                Assert.All(errors, e => Assert.All(e.Value, r => Assert.Matches("^line [0-9]+: ", r)));
                continue;
            }
            var stack = await Api.OkTextAsync(response); // as sent, for Definitions to compare every field
            var path = $"environments/{envId}/stacks/{Api.Read<StackView>(stack).Id}";
            var exported = await (await api.GetAsync($"{path}/compose")).Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync(path)).StatusCode);
            var again = await Api.OkTextAsync(await api.PostAsync($"environments/{envId}/stacks", new { name, compose = exported }));
            Assert.Equal(exported, await (await api.GetAsync($"environments/{envId}/stacks/{Api.Read<StackView>(again).Id}/compose")).Content.ReadAsStringAsync());
            Assert.Equal(Definitions(stack), Definitions(again));
            imported++;
        }
        Assert.Equal(18, imported);
    }

    /// <summary>
    /// A stack's services' definitions without their ids, times and placement, one per line. Read as
    /// sent, not typed: every field the API writes is compared, including any no view declares.
    /// </summary>
    private static string Definitions(string stack) =>
        string.Join("\n", JsonNode.Parse(stack)!["services"]!.AsArray().Select(s => Comparable(s!)));

    /// <summary>A service's definition without its ids, times and placement.</summary>
    private static string Comparable(JsonNode service)
    {
        var copy = service.DeepClone().AsObject();
        foreach (var key in new[] { "id", "createdAt", "instances", "state", "placement" })
        {
            copy.Remove(key);
        }
        return copy.ToJsonString();
    }
}
