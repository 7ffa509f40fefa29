using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Networking;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Upgrades;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>
/// The planner's upgrade phases driven to the end over simulated time: what serves at every step,
/// how batches follow each other, and how a failing version is rolled back.
/// </summary>
public sealed class RollingUpgradeTests
{
    private static readonly UpgradePolicy Quick = UpgradePolicy.Default with { MinHealthy = TimeSpan.FromSeconds(2), BatchDeadline = TimeSpan.FromSeconds(60) };

    private static EnvironmentModel Running(int hosts, int scale, params int[] ports)
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange(Enumerable.Range(1, hosts).Select(i => Given.Host($"h{i}")));
        env.Services.Add(Given.Service("s1", scale, ports));
        env.Settle();
        Observe(env, _ => false);
        return env;
    }

    /// <summary>Every instance's agent reports: running, or failed to start when <paramref name="fails"/> says so.</summary>
    private static void Observe(EnvironmentModel env, Func<Instance, bool> fails)
    {
        env.Observed.Clear();
        foreach (var instance in env.Instances)
        {
            env.Observed[instance.Id] = fails(instance)
                ? new ObservedState(ContainerStates.Error, null) { Why = "exec: \"nope\": executable file not found" }
                : new ObservedState(ContainerStates.Running, null);
        }
    }

    private static void Upgrade(EnvironmentModel env, string image, UpgradePolicy policy)
    {
        var service = env.Service("s1");
        var (changed, refused) = ServiceUpgrades.Change(service, service.Spec with { Image = image }, policy, hasInstances: true, env.Now);
        Assert.Null(refused);
        env.Store(changed!);
    }

    /// <summary>Runs the control loop a second at a time until the upgrade ends; each second's serving instances go to <paramref name="watch"/>.</summary>
    private static List<ReconcileStep> RunToEnd(EnvironmentModel env, Func<Instance, bool> fails, Action<List<Instance>>? watch = null, int seconds = 600)
    {
        var steps = new List<ReconcileStep>();
        for (var t = 0; t < seconds; t++)
        {
            for (var n = 0; n < 50; n++)
            {
                var step = env.Step();
                steps.Add(step);
                Observe(env, fails);
                watch?.Invoke(Serving(env));
                if (step.IsEmpty)
                {
                    break;
                }
            }
            if (env.Service("s1").Upgrade is { IsOver: true } && env.Instances.All(i => i.RetiringSince is null) && env.Step().IsEmpty)
            {
                return steps;
            }
            env.Tick(TimeSpan.FromSeconds(1));
        }
        throw new InvalidOperationException($"the upgrade is still {env.Service("s1").Upgrade?.State} after {seconds} s");
    }

    private static List<Instance> Serving(EnvironmentModel env)
    {
        var service = env.Service("s1");
        return env.Instances.Where(i => ServiceDiscovery.Answers(service, i, env.Observed.GetValueOrDefault(i.Id))).ToList();
    }

    [Fact]
    public void A_start_first_upgrade_never_serves_fewer_than_scale_and_ends_with_every_slot_on_the_new_version()
    {
        var env = Running(hosts: 3, scale: 3);
        var before = env.Service("s1").Version;
        Upgrade(env, "busybox:2", Quick);
        var to = env.Service("s1").Version;
        var fewest = int.MaxValue;

        var steps = RunToEnd(env, _ => false, serving => fewest = Math.Min(fewest, serving.Count));

        Assert.Equal(3, fewest);
        var service = env.Service("s1");
        Assert.Equal(UpgradeState.Upgraded, service.Upgrade!.State);
        Assert.Equal(3, env.Instances.Count);
        Assert.All(env.Instances, i => Assert.Equal(to, service.VersionOf(i)));
        Assert.Equal([1, 2, 3], env.Instances.Select(i => Slots.Logical(i.Slot)).Order());
        Assert.Equal(before, service.History[0].Version);
        var events = steps.SelectMany(s => s.UpgradeEvents).Select(e => e.Event).ToList();
        Assert.Equal(3, events.Count(e => e.Kind == "batch-started"));
        Assert.Equal(3, events.Count(e => e.Message.Contains("is healthy", StringComparison.Ordinal)));
        Assert.Equal("upgraded", events[^1].Kind);
    }

    [Fact]
    public void A_batch_starts_only_after_the_last_has_been_healthy_for_the_minimum_time()
    {
        var env = Running(hosts: 2, scale: 2);
        Upgrade(env, "busybox:2", Quick with { MinHealthy = TimeSpan.FromSeconds(10) });
        var batchStarts = new List<DateTimeOffset>();

        RunToEnd(env, _ => false, _ =>
        {
            if (env.Service("s1").Upgrade is { BatchStartedAt: { } at } && !batchStarts.Contains(at))
            {
                batchStarts.Add(at);
            }
        });

        Assert.Equal(2, batchStarts.Count);
        Assert.True(batchStarts[1] - batchStarts[0] >= TimeSpan.FromSeconds(10), $"batches {batchStarts[0]:T} and {batchStarts[1]:T}");
    }

    [Fact]
    public void A_stop_first_upgrade_of_a_published_port_on_one_host_frees_the_port_before_the_new_instance_takes_it()
    {
        var env = Running(hosts: 1, scale: 1, 8080);
        Upgrade(env, "busybox:2", Quick);
        Assert.Equal(UpgradeOrder.StopFirst, ServiceUpgrades.OrderFor(env.Service("s1"), Quick));
        var most = 0;

        RunToEnd(env, _ => false, _ => most = Math.Max(most, env.Instances.Count(i => i.RetiringSince is null)));

        Assert.Equal(1, most);
        Assert.Equal(UpgradeState.Upgraded, env.Service("s1").Upgrade!.State);
        Assert.Equal("busybox:2", env.Service("s1").SpecOf(env.Instances.Single()).Image);
    }

    [Fact]
    public void A_version_that_fails_to_start_is_rolled_back_and_every_instance_runs_the_old_one_again()
    {
        var env = Running(hosts: 3, scale: 3);
        var old = env.Service("s1").Version;
        Upgrade(env, "busybox:broken", Quick);
        var broken = env.Service("s1").Version;
        var fewest = int.MaxValue;

        var steps = RunToEnd(env, i => env.Service("s1").VersionOf(i) == broken, serving => fewest = Math.Min(fewest, serving.Count));

        var service = env.Service("s1");
        Assert.Equal(UpgradeState.RolledBack, service.Upgrade!.State);
        Assert.Equal(old, service.Version);
        Assert.Equal("busybox:1", service.Spec.Image);
        Assert.All(env.Instances, i => Assert.Equal(old, service.VersionOf(i)));
        Assert.Equal(3, fewest); // start-first: the failing one never replaced a serving one
        var events = steps.SelectMany(s => s.UpgradeEvents).Select(e => e.Event).ToList();
        var rollingBack = Assert.Single(events, e => e.Kind == "rolling-back");
        Assert.Contains("executable file not found", rollingBack.Message);
        Assert.Equal("rolled-back", events[^1].Kind);
    }

    [Fact]
    public void A_change_while_an_upgrade_moves_instances_is_refused_and_one_of_placement_only_rolls_nothing()
    {
        var env = Running(hosts: 2, scale: 2);
        Upgrade(env, "busybox:2", Quick);
        var service = env.Service("s1");

        var (_, refused) = ServiceUpgrades.Change(service, service.Spec with { Image = "busybox:3" }, null, true, env.Now);
        var (same, none) = ServiceUpgrades.Change(service, service.Spec with { Scheduling = service.Spec.Scheduling }, null, true, env.Now);

        Assert.Contains("upgrading", refused);
        Assert.Null(none);
        Assert.Same(service.Upgrade, same!.Upgrade);
    }

    [Fact]
    public void A_rollback_asked_mid_way_returns_the_old_spec_and_the_upgrade_ends_rolled_back()
    {
        var env = Running(hosts: 2, scale: 2);
        var old = env.Service("s1").Version;
        Upgrade(env, "busybox:2", Quick with { MinHealthy = TimeSpan.FromSeconds(30), BatchDeadline = TimeSpan.FromMinutes(2) });
        for (var t = 0; t < 5; t++)
        {
            env.Settle();
            Observe(env, _ => false);
            env.Tick(TimeSpan.FromSeconds(1));
        }
        Assert.Contains(env.Instances, i => env.Service("s1").VersionOf(i) != old);

        var (rolledBack, refused) = ServiceUpgrades.Act(env.Service("s1"), UpgradeAction.Rollback, env.Now);
        Assert.Null(refused);
        env.Store(rolledBack!);
        RunToEnd(env, _ => false);

        var service = env.Service("s1");
        Assert.Equal(UpgradeState.RolledBack, service.Upgrade!.State);
        Assert.Equal(old, service.Version);
        Assert.All(env.Instances, i => Assert.Equal(old, service.VersionOf(i)));
        Assert.Equal(2, env.Instances.Count);
    }

    [Fact]
    public void A_service_that_runs_nothing_changes_at_once_without_an_upgrade()
    {
        var service = Given.Service("s1", 2);

        var (changed, _) = ServiceUpgrades.Change(service, service.Spec with { Image = "busybox:2" }, null, hasInstances: false, Given.Now);

        Assert.Null(changed!.Upgrade);
        Assert.Equal("busybox:2", changed.Spec.Image);
        Assert.Equal(service.Version, changed.History.Single().Version);
    }

    [Fact]
    public void A_rollback_while_the_old_instance_drains_waits_for_its_row_before_starting_there_again()
    {
        var env = Running(hosts: 1, scale: 1);
        var old = env.Service("s1").Version;
        Upgrade(env, "busybox:2", Quick with { MinHealthy = TimeSpan.FromSeconds(30) });
        for (var n = 0; n < 10 && !env.Instances.Any(i => i.RetiringSince is not null); n++)
        {
            env.Step();
            Observe(env, _ => false);
        }
        Assert.Contains(env.Instances, i => i.RetiringSince is not null); // the old one drains; the new one serves its slot

        var (rolledBack, refused) = ServiceUpgrades.Act(env.Service("s1"), UpgradeAction.Rollback, env.Now);
        Assert.Null(refused);
        env.Store(rolledBack!);
        RunToEnd(env, _ => false); // the model refuses a step that adds the draining instance's row again

        var service = env.Service("s1");
        Assert.Equal(UpgradeState.RolledBack, service.Upgrade!.State);
        Assert.Equal(old, service.VersionOf(env.Instances.Single()));
    }

    [Fact]
    public void Instances_scaled_away_while_they_drain_are_removed_once()
    {
        var env = Running(hosts: 1, scale: 3);
        Upgrade(env, "busybox:2", Quick with { Order = UpgradeOrder.StopFirst, BatchSize = 3 });
        env.Step();
        Assert.Equal(3, env.Instances.Count(i => i.RetiringSince is not null));

        env.SetScale("s1", 1);
        env.Tick(ReconcilePlanner.DnsDrain);
        Observe(env, _ => false);
        env.Step(); // the model refuses a step that removes one row twice

        RunToEnd(env, _ => false);
        Assert.Equal([1], env.Instances.Select(i => Slots.Logical(i.Slot)));
    }

    [Fact]
    public void A_global_service_upgrades_one_host_at_a_time_and_the_others_keep_serving()
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange(Enumerable.Range(1, 3).Select(i => Given.Host($"h{i}")));
        var global = Given.Service("s1", 0, 9100);
        env.Services.Add(global with { Spec = global.Spec with { Scheduling = global.Spec.Scheduling with { Global = true } } });
        env.Settle();
        Observe(env, _ => false);
        Upgrade(env, "busybox:2", Quick with { MinHealthy = TimeSpan.Zero }); // the drain, not the wait, must hold the next batch back
        var fewest = int.MaxValue;

        RunToEnd(env, _ => false, serving => fewest = Math.Min(fewest, serving.Count));

        Assert.Equal(2, fewest);
        var service = env.Service("s1");
        Assert.Equal(UpgradeState.Upgraded, service.Upgrade!.State);
        Assert.Equal(["h1", "h2", "h3"], env.Instances.Select(i => i.HostId).Order());
        Assert.All(env.Instances, i => Assert.Equal(service.Version, service.VersionOf(i)));
    }

    [Fact]
    public void A_start_first_replacement_that_fits_nowhere_fails_its_batch_at_the_deadline_instead_of_starting_batch_after_batch()
    {
        var env = new EnvironmentModel();
        env.Hosts.Add(Given.Host("h1")); // 4 GiB: two instances reserving 1.5 GiB each leave no room for a third
        var service = Given.Service("s1", 2);
        env.Services.Add(service with { Spec = service.Spec with { Scheduling = service.Spec.Scheduling with { Reservation = new Scheduling.Reservation(0, 1536L << 20) } } });
        env.Settle();
        Observe(env, _ => false);
        var old = env.Service("s1").Version;
        Upgrade(env, "busybox:2", Quick with { Order = UpgradeOrder.StartFirst });

        var steps = RunToEnd(env, _ => false);

        var ended = env.Service("s1");
        Assert.Equal(UpgradeState.RolledBack, ended.Upgrade!.State);
        Assert.Contains("not healthy within", ended.Upgrade.Reason, StringComparison.Ordinal);
        Assert.Single(steps.SelectMany(s => s.UpgradeEvents), e => e.Event.Kind == "batch-started");
        Assert.All(env.Instances, i => Assert.Equal(old, ended.VersionOf(i)));
    }
    [Fact]
    public void A_rollback_to_an_older_kept_version_rolls_every_instance_to_it_at_the_rollback_pace()
    {
        var env = Running(hosts: 2, scale: 2);
        var v1 = env.Service("s1").Version;
        env.Store(env.Service("s1") with { Policy = Quick with { Rollback = new RollbackPace(2, TimeSpan.Zero, null, TimeSpan.FromSeconds(2)) } });
        Upgrade(env, "busybox:2", Quick);
        RunToEnd(env, _ => false);
        var v2 = env.Service("s1").Version;
        Upgrade(env, "busybox:3", Quick);
        RunToEnd(env, _ => false);
        Assert.Equal([v2, v1], env.Service("s1").History.Select(h => h.Version));

        var (back, refused) = ServiceUpgrades.RollBackTo(env.Service("s1"), v1, hasInstances: true, env.Now);
        Assert.Null(refused);
        Assert.Equal(v1, back!.Version);
        Assert.Equal(2, back.Upgrade!.Policy.BatchSize); // the rollback's pace
        Assert.Equal("a rollback to version " + v1, back.Upgrade.Reason);
        env.Store(back);
        RunToEnd(env, _ => false);

        var service = env.Service("s1");
        Assert.Equal(UpgradeState.Upgraded, service.Upgrade!.State);
        Assert.All(env.Instances, i => Assert.Equal("busybox:1", service.SpecOf(i).Image));
        Assert.Equal(v1, service.Version);
        Assert.Contains(service.History, h => h.Version == v2); // and forward again, if wanted
    }

    [Fact]
    public void A_rollback_without_a_version_goes_to_the_previous_one_and_mid_upgrade_turns_the_upgrade_back()
    {
        var env = Running(hosts: 2, scale: 2);
        var v1 = env.Service("s1").Version;
        Upgrade(env, "busybox:2", Quick);
        RunToEnd(env, _ => false);
        Assert.Equal(v1, ServiceUpgrades.RollBackTo(env.Service("s1"), null, true, env.Now).Service!.Version);

        Upgrade(env, "busybox:3", Quick);
        var (turned, refused) = ServiceUpgrades.RollBackTo(env.Service("s1"), null, true, env.Now);
        Assert.Null(refused);
        Assert.Equal(UpgradeState.RollingBack, turned!.Upgrade!.State);
    }

    [Fact]
    public void After_a_rolled_back_upgrade_a_bare_rollback_is_refused_and_a_failed_rollback_is_tried_again()
    {
        var env = Running(hosts: 1, scale: 1);
        var v1 = env.Service("s1").Version;
        Upgrade(env, "busybox:2", Quick);
        RunToEnd(env, i => env.Service("s1").VersionOf(i) != v1); // the new version fails: rolled back
        var service = env.Service("s1");
        Assert.Equal(UpgradeState.RolledBack, service.Upgrade!.State);
        Assert.Contains("was rolled back already", ServiceUpgrades.RollBackTo(service, null, true, env.Now).Refused, StringComparison.Ordinal);

        var failed = service with { Upgrade = service.Upgrade with { State = UpgradeState.RollbackFailed } };
        var (again, refused) = ServiceUpgrades.RollBackTo(failed, v1, true, env.Now);
        Assert.Null(refused);
        Assert.Equal(UpgradeState.RollingBack, again!.Upgrade!.State);
    }

    [Theory]
    [InlineData("current", "already runs version")]
    [InlineData("abcdef123456", "is not kept with the service (kept: ")]
    public void A_rollback_to_the_current_or_an_unknown_version_is_refused_saying_why(string version, string why)
    {
        var env = Running(hosts: 1, scale: 1);
        Upgrade(env, "busybox:2", Quick);
        RunToEnd(env, _ => false);
        var service = env.Service("s1");

        var (none, refused) = ServiceUpgrades.RollBackTo(service, version == "current" ? service.Version : version, true, env.Now);

        Assert.Null(none);
        Assert.Contains(why, refused, StringComparison.Ordinal);
        Assert.Equal("the service has no earlier launch configuration to roll back to", ServiceUpgrades.RollBackTo(Given.Service("s2", 1), null, true, env.Now).Refused);
    }
}
