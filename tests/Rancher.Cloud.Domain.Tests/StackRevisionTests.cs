using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Stacks;
using Rancher.Cloud.Domain.Upgrades;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>A stack revised from a changed compose file: what each service's line says, and what is written.</summary>
public sealed class StackRevisionTests
{
    private const string Shop = """
        services:
          web:
            image: nginx:1.27
            deploy:
              replicas: 2
          worker:
            image: busybox
            command: sleep 3600
          cache:
            image: redis:7

        """;

    private static StackDefinition Read(string compose) => ComposeReader.Read("shop", compose, null).Value ?? throw new InvalidOperationException("the compose file does not read");

    /// <summary>The services a stack imported from <paramref name="compose"/> runs.</summary>
    private static List<Service> Running(string compose) =>
        [.. Read(compose).Services.Select((s, i) => new Service($"s{i}", s.Spec, s.Scale, Given.Now.AddDays(-1)) { Policy = s.Policy })];

    private static StackRevision Revise(List<Service> current, string compose, bool removeMissing = false, bool running = true)
    {
        var (revision, refused) = StackRevision.Of(current, Read(compose), removeMissing, _ => running, Given.Now);
        Assert.Empty(refused);
        return revision!;
    }

    private static StackChange Line(StackRevision revision, string service) => revision.Changes.Single(c => c.Service == service);

    [Fact]
    public void The_same_file_changes_nothing()
    {
        var revision = Revise(Running(Shop), Shop);
        Assert.True(revision.IsEmpty);
        Assert.All(revision.Changes, c => Assert.Equal(StackChangeKind.Unchanged, c.Kind));
        Assert.Empty(revision.Changed);
        Assert.Empty(revision.Added);
    }

    [Fact]
    public void A_new_image_starts_a_rolling_upgrade_and_names_the_field()
    {
        var current = Running(Shop);
        var revision = Revise(current, Shop.Replace("nginx:1.27", "nginx:1.28", StringComparison.Ordinal));

        var web = Line(revision, "web");
        Assert.Equal(StackChangeKind.Upgrade, web.Kind);
        Assert.Equal(["image"], web.Fields);
        Assert.NotEqual(web.FromVersion, web.ToVersion);
        var (before, after) = Assert.Single(revision.Changed);
        Assert.Same(current[0], before);
        Assert.Equal(UpgradeState.Rolling, after.Upgrade!.State);
        Assert.Equal(before.Version, after.Upgrade.From);
        Assert.Equal(before.Version, after.History[0].Version); // kept for a rollback
        Assert.Equal(StackChangeKind.Unchanged, Line(revision, "worker").Kind);
    }

    [Fact]
    public void A_service_that_runs_nothing_takes_its_new_version_at_once()
    {
        var revision = Revise(Running(Shop), Shop.Replace("nginx:1.27", "nginx:1.28", StringComparison.Ordinal), running: false);
        Assert.Equal(StackChangeKind.Change, Line(revision, "web").Kind);
        Assert.Null(Assert.Single(revision.Changed).After.Upgrade);
    }

    [Fact]
    public void A_new_scale_or_update_config_applies_at_once_without_replacing_a_container()
    {
        var changed = Shop.Replace("replicas: 2", "replicas: 5\n      update_config:\n        parallelism: 2", StringComparison.Ordinal);
        var revision = Revise(Running(Shop), changed);

        var web = Line(revision, "web");
        Assert.Equal(StackChangeKind.Change, web.Kind);
        Assert.Equal(["scale", "upgradePolicy"], web.Fields);
        Assert.Equal((2, 5), (web.FromScale, web.ToScale));
        var after = Assert.Single(revision.Changed).After;
        Assert.Equal(5, after.Scale);
        Assert.Equal(2, after.Policy!.BatchSize);
        Assert.Null(after.Upgrade);
    }

    [Fact]
    public void A_changed_launch_field_upgrades_with_the_files_update_config()
    {
        var changed = Shop.Replace("      replicas: 2", "      replicas: 2\n      update_config:\n        parallelism: 2\n        order: stop-first", StringComparison.Ordinal)
            .Replace("nginx:1.27", "nginx:1.28", StringComparison.Ordinal);
        var after = Assert.Single(Revise(Running(Shop), changed).Changed).After;
        Assert.Equal(2, after.Upgrade!.Policy.BatchSize);
        Assert.Equal(UpgradeOrder.StopFirst, after.Upgrade.Policy.Order);
    }

    [Fact]
    public void Services_missing_from_the_file_are_kept_unless_the_request_removes_them()
    {
        var current = Running(Shop);
        var without = Shop.Replace("  cache:\n    image: redis:7\n", "", StringComparison.Ordinal);

        var kept = Revise(current, without);
        Assert.Equal(StackChangeKind.Keep, Line(kept, "cache").Kind);
        Assert.Equal("cache", Assert.Single(kept.Kept).Spec.Name);
        Assert.Empty(kept.Removed);
        Assert.True(kept.IsEmpty);

        var removed = Revise(current, without, removeMissing: true);
        Assert.Equal(StackChangeKind.Remove, Line(removed, "cache").Kind);
        Assert.True(Assert.Single(removed.Removed).Deleting);
        Assert.Empty(removed.Kept);
        Assert.False(removed.IsEmpty);
    }

    [Fact]
    public void A_service_new_in_the_file_is_added_with_its_scale()
    {
        var revision = Revise(Running(Shop), Shop + "  api:\n    image: busybox\n    deploy:\n      replicas: 3\n");
        var api = Line(revision, "api");
        Assert.Equal(StackChangeKind.Add, api.Kind);
        Assert.Equal(3, api.ToScale);
        Assert.Equal("api", Assert.Single(revision.Added).Spec.Name);
    }

    [Fact]
    public void A_service_mid_upgrade_given_yet_another_version_refuses_the_whole_revision()
    {
        var current = Running(Shop);
        current[0] = ServiceUpgrades.Change(current[0], Read(Shop.Replace("nginx:1.27", "nginx:1.28", StringComparison.Ordinal)).Services[0].Spec, null, true, Given.Now).Service!;

        var (revision, refused) = StackRevision.Of(current, Read(Shop.Replace("nginx:1.27", "nginx:1.29", StringComparison.Ordinal) + "  api:\n    image: busybox\n"), false, _ => true, Given.Now);

        Assert.Null(revision);
        Assert.Contains("is upgrading", Assert.Single(refused, r => r.Key == "services.web").Value, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_environment_variable_is_named_as_the_environment_field()
    {
        var revision = Revise(Running(Shop), Shop.Replace("    command: sleep 3600\n", "    command: sleep 3600\n    environment:\n      MODE: fast\n", StringComparison.Ordinal));
        var worker = Line(revision, "worker");
        Assert.Equal(StackChangeKind.Upgrade, worker.Kind);
        Assert.Equal(["environment"], worker.Fields);
    }
}
