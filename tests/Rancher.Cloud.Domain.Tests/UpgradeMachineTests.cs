using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Upgrades;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>Every transition of the rolling upgrade's state machine, and that each waiting state has a way out.</summary>
public sealed class UpgradeMachineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly UpgradePolicy Policy = new() { BatchSize = 2, MinHealthy = TimeSpan.FromSeconds(10), BatchDeadline = TimeSpan.FromMinutes(2), ProgressDeadline = TimeSpan.FromMinutes(20) };

    private static Upgrade Started(UpgradePolicy? policy = null) => Upgrade.Start("v1", "v2", policy ?? Policy, T0);

    /// <summary>Six instances: <paramref name="atTarget"/> on the target version, of which <paramref name="healthy"/> pass their checks.</summary>
    private static UpgradeProgress Six(int atTarget, int healthy, int failed = 0) => new(6, atTarget, healthy, failed, 6 - atTarget, failed > 0 ? "HTTP 500 from /healthz" : null);

    [Fact]
    public void A_rolling_upgrade_goes_batch_by_batch_each_healthy_for_the_minimum_time_and_ends_upgraded()
    {
        var step = UpgradeMachine.Advance(Started(), Six(0, 0), T0);
        Assert.Equal(2, step.Replace);
        Assert.Equal("batch-started", step.Event!.Kind);

        // Made but not yet healthy, then healthy but not yet for 10 s: nothing more starts.
        step = UpgradeMachine.Advance(step.Upgrade, Six(2, 1), T0.AddSeconds(5));
        Assert.Equal(0, step.Replace);
        step = UpgradeMachine.Advance(step.Upgrade, Six(2, 2), T0.AddSeconds(6));
        Assert.Equal(0, step.Replace);
        step = UpgradeMachine.Advance(step.Upgrade, Six(2, 2), T0.AddSeconds(15));
        Assert.Equal(0, step.Replace);

        // Healthy for 10 s: the batch counts, and the next starts.
        step = UpgradeMachine.Advance(step.Upgrade, Six(2, 2), T0.AddSeconds(16));
        Assert.Equal(2, step.Replace);
        Assert.Equal(2, step.Upgrade.Batches);

        step = UpgradeMachine.Advance(step.Upgrade, Six(4, 4), T0.AddSeconds(20));
        step = UpgradeMachine.Advance(step.Upgrade, Six(4, 4), T0.AddSeconds(30));
        Assert.Equal(2, step.Replace);
        step = UpgradeMachine.Advance(step.Upgrade, Six(6, 6), T0.AddSeconds(35));
        step = UpgradeMachine.Advance(step.Upgrade, Six(6, 6), T0.AddSeconds(45));

        Assert.Equal(UpgradeState.Upgraded, step.Upgrade.State);
        Assert.Equal("upgraded", step.Event!.Kind);
        Assert.True(step.Upgrade.IsOver);
        Assert.Equal(0, UpgradeMachine.Advance(step.Upgrade, Six(6, 6), T0.AddHours(1)).Replace);
    }

    [Fact]
    public void An_instance_that_turns_unhealthy_starts_the_minimum_healthy_time_over()
    {
        var step = UpgradeMachine.Advance(Started(), Six(0, 0), T0);
        step = UpgradeMachine.Advance(step.Upgrade, Six(2, 2), T0.AddSeconds(2));
        step = UpgradeMachine.Advance(step.Upgrade, Six(2, 1), T0.AddSeconds(8));
        step = UpgradeMachine.Advance(step.Upgrade, Six(2, 2), T0.AddSeconds(9));

        Assert.Equal(0, UpgradeMachine.Advance(step.Upgrade, Six(2, 2), T0.AddSeconds(13)).Replace);
        Assert.Equal(2, UpgradeMachine.Advance(step.Upgrade, Six(2, 2), T0.AddSeconds(19)).Replace);
    }

    [Fact]
    public void The_interval_separates_a_healthy_batch_from_the_next()
    {
        var step = UpgradeMachine.Advance(Started(Policy with { Interval = TimeSpan.FromSeconds(30), MinHealthy = TimeSpan.Zero }), Six(0, 0), T0);
        step = UpgradeMachine.Advance(step.Upgrade, Six(2, 2), T0.AddSeconds(5));
        Assert.Equal(0, step.Replace);
        Assert.Equal("batch-healthy", step.Event!.Kind);

        Assert.Equal(0, UpgradeMachine.Advance(step.Upgrade, Six(2, 2), T0.AddSeconds(30)).Replace);
        Assert.Equal(2, UpgradeMachine.Advance(step.Upgrade, Six(2, 2), T0.AddSeconds(35)).Replace);
    }

    [Fact]
    public void A_failed_instance_rolls_the_upgrade_back_and_says_why()
    {
        var step = UpgradeMachine.Advance(Started(), Six(0, 0), T0);
        step = UpgradeMachine.Advance(step.Upgrade, Six(2, 1, failed: 1), T0.AddSeconds(20));

        Assert.Equal(UpgradeState.RollingBack, step.Upgrade.State);
        Assert.Equal("v1", step.Upgrade.Target);
        Assert.Contains("HTTP 500 from /healthz", step.Upgrade.Reason, StringComparison.Ordinal);
        Assert.Equal("rolling-back", step.Event!.Kind);

        // Rolling back is rolling to the old version: 2 instances run v2, so 2 remain to move back.
        var back = new UpgradeProgress(6, 4, 4, 0, 2);
        step = UpgradeMachine.Advance(step.Upgrade, back, T0.AddSeconds(21));
        Assert.Equal(2, step.Replace);
        step = UpgradeMachine.Advance(step.Upgrade, new UpgradeProgress(6, 6, 6, 0, 0), T0.AddSeconds(30));
        step = UpgradeMachine.Advance(step.Upgrade, new UpgradeProgress(6, 6, 6, 0, 0), T0.AddSeconds(41));

        Assert.Equal(UpgradeState.RolledBack, step.Upgrade.State);
        Assert.Equal("rolled-back", step.Event!.Kind);
        Assert.Contains("HTTP 500", step.Event.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Failures_up_to_the_threshold_are_tolerated()
    {
        var step = UpgradeMachine.Advance(Started(Policy with { FailureThreshold = 1 }), Six(0, 0), T0);

        Assert.Equal(UpgradeState.Rolling, UpgradeMachine.Advance(step.Upgrade, Six(2, 1, failed: 1), T0.AddSeconds(5)).Upgrade.State);
        Assert.Equal(UpgradeState.RollingBack, UpgradeMachine.Advance(step.Upgrade, Six(2, 0, failed: 2), T0.AddSeconds(5)).Upgrade.State);
    }

    [Fact]
    public void A_policy_that_pauses_on_failure_pauses_and_a_pause_past_its_limit_rolls_back()
    {
        var step = UpgradeMachine.Advance(Started(Policy with { OnFailure = FailureAction.Pause }), Six(0, 0), T0);
        step = UpgradeMachine.Advance(step.Upgrade, Six(2, 1, failed: 1), T0.AddSeconds(5));
        Assert.Equal(UpgradeState.Paused, step.Upgrade.State);
        Assert.Equal("paused", step.Event!.Kind);

        Assert.Equal(UpgradeState.Paused, UpgradeMachine.Advance(step.Upgrade, Six(2, 1, failed: 1), T0.AddHours(23)).Upgrade.State);
        var expired = UpgradeMachine.Advance(step.Upgrade, Six(2, 1, failed: 1), T0.AddHours(24).AddSeconds(5));
        Assert.Equal(UpgradeState.RollingBack, expired.Upgrade.State);
        Assert.Contains("paused for longer than", expired.Upgrade.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_not_healthy_by_its_deadline_fails_the_upgrade()
    {
        var step = UpgradeMachine.Advance(Started(), Six(0, 0), T0);

        Assert.Equal(UpgradeState.Rolling, UpgradeMachine.Advance(step.Upgrade, Six(2, 1), T0.AddSeconds(119)).Upgrade.State);
        var failed = UpgradeMachine.Advance(step.Upgrade, Six(2, 1), T0.AddSeconds(120));
        Assert.Equal(UpgradeState.RollingBack, failed.Upgrade.State);
        Assert.Contains("batch 1 not healthy within", failed.Upgrade.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_upgrade_whose_batch_does_not_settle_within_the_progress_deadline_fails()
    {
        var step = UpgradeMachine.Advance(Started(), Six(0, 0), T0);

        var failed = UpgradeMachine.Advance(step.Upgrade, Six(2, 2), T0.AddMinutes(20));
        Assert.Equal(UpgradeState.RollingBack, failed.Upgrade.State);
        Assert.Contains("progress deadline", failed.Upgrade.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_progress_deadline_counts_from_the_last_healthy_batch_so_a_long_upgrade_that_keeps_moving_goes_on()
    {
        var policy = Policy with { ProgressDeadline = TimeSpan.FromMinutes(1), MinHealthy = TimeSpan.Zero };
        static UpgradeProgress Twelve(int done) => new(12, done, done, 0, 12 - done);
        var step = UpgradeMachine.Advance(Started(policy), Twelve(0), T0);
        var now = T0;
        for (var done = 2; done < 12; done += 2)
        {
            now = now.AddSeconds(40);
            step = UpgradeMachine.Advance(step.Upgrade, Twelve(done), now);
            Assert.Equal(UpgradeState.Rolling, step.Upgrade.State);
            Assert.Equal(2, step.Replace);
        }

        step = UpgradeMachine.Advance(step.Upgrade, Twelve(12), now.AddSeconds(40));

        Assert.Equal(UpgradeState.Upgraded, step.Upgrade.State); // 240 s in all, never 60 s without a healthy batch
    }

    [Fact]
    public void Resume_judges_the_batch_the_pause_cut_short_before_starting_another()
    {
        var step = UpgradeMachine.Advance(Started(), Six(0, 0), T0);
        var (paused, _) = UpgradeMachine.Act(step.Upgrade, UpgradeAction.Pause, T0.AddSeconds(1));
        var (resumed, _) = UpgradeMachine.Act(paused!, UpgradeAction.Resume, T0.AddSeconds(30));

        var next = UpgradeMachine.Advance(resumed!, Six(0, 0), T0.AddSeconds(31)); // its replacements are not there yet

        Assert.Equal(0, next.Replace);
        Assert.Equal(UpgradeState.Rolling, next.Upgrade.State);
        Assert.Equal(UpgradeState.Rolling, UpgradeMachine.Advance(resumed!, Six(2, 2), T0.AddSeconds(50)).Upgrade.State);
    }

    [Fact]
    public void A_rollback_that_fails_ends_failed_with_its_reason_instead_of_rolling_back_forever()
    {
        var rolling = UpgradeMachine.Act(Started(), UpgradeAction.Rollback, T0).Upgrade!;
        var step = UpgradeMachine.Advance(rolling, new UpgradeProgress(6, 4, 4, 0, 2), T0.AddSeconds(1));
        step = UpgradeMachine.Advance(step.Upgrade, new UpgradeProgress(6, 6, 4, 2, 0, "exit 1"), T0.AddSeconds(10));

        Assert.Equal(UpgradeState.RollbackFailed, step.Upgrade.State);
        Assert.True(step.Upgrade.IsOver);
        Assert.Equal("rollback-failed", step.Event!.Kind);
        Assert.Contains("exit 1", step.Upgrade.Reason, StringComparison.Ordinal);

        // The rollback's own deadline counts from when it began.
        var late = UpgradeMachine.Advance(rolling with { BatchStartedAt = null }, new UpgradeProgress(6, 4, 4, 0, 2), T0.AddMinutes(20));
        Assert.Equal(UpgradeState.RollbackFailed, late.Upgrade.State);
    }

    [Theory]
    [InlineData(UpgradeAction.Pause, UpgradeState.Rolling, UpgradeState.Paused)]
    [InlineData(UpgradeAction.Resume, UpgradeState.Paused, UpgradeState.Rolling)]
    [InlineData(UpgradeAction.Rollback, UpgradeState.Rolling, UpgradeState.RollingBack)]
    [InlineData(UpgradeAction.Rollback, UpgradeState.Paused, UpgradeState.RollingBack)]
    [InlineData(UpgradeAction.Rollback, UpgradeState.Upgraded, UpgradeState.RollingBack)]
    [InlineData(UpgradeAction.Rollback, UpgradeState.RollbackFailed, UpgradeState.RollingBack)]
    [InlineData(UpgradeAction.Finish, UpgradeState.Rolling, UpgradeState.Rolling)]
    [InlineData(UpgradeAction.Finish, UpgradeState.Paused, UpgradeState.Rolling)]
    public void Actions_move_an_upgrade_where_they_say(UpgradeAction action, UpgradeState from, UpgradeState to)
    {
        var (next, refused) = UpgradeMachine.Act(Started() with { State = from }, action, T0.AddMinutes(1));

        Assert.Null(refused);
        Assert.Equal(to, next!.State);
        Assert.Equal(T0.AddMinutes(1), next.StateSince);
    }

    [Theory]
    [InlineData(UpgradeAction.Pause, UpgradeState.Paused)]
    [InlineData(UpgradeAction.Pause, UpgradeState.RollingBack)]
    [InlineData(UpgradeAction.Pause, UpgradeState.Upgraded)]
    [InlineData(UpgradeAction.Resume, UpgradeState.Rolling)]
    [InlineData(UpgradeAction.Resume, UpgradeState.RolledBack)]
    [InlineData(UpgradeAction.Rollback, UpgradeState.RollingBack)]
    [InlineData(UpgradeAction.Rollback, UpgradeState.RolledBack)]
    [InlineData(UpgradeAction.Finish, UpgradeState.RollingBack)]
    [InlineData(UpgradeAction.Finish, UpgradeState.Upgraded)]
    public void Actions_that_do_not_apply_are_refused_with_why(UpgradeAction action, UpgradeState state)
    {
        var (next, refused) = UpgradeMachine.Act(Started() with { State = state }, action, T0);

        Assert.Null(next);
        Assert.Contains("cannot", refused, StringComparison.Ordinal);
    }

    [Fact]
    public void Finish_replaces_the_rest_at_once()
    {
        var step = UpgradeMachine.Advance(Started(), Six(0, 0), T0);
        var finished = UpgradeMachine.Act(step.Upgrade, UpgradeAction.Finish, T0.AddSeconds(1)).Upgrade!;

        Assert.Equal(4, UpgradeMachine.Advance(finished, Six(2, 2), T0.AddSeconds(2)).Replace);
    }

    [Fact]
    public void Every_state_that_waits_has_a_deadline_that_ends_it()
    {
        var far = T0.AddDays(2);
        var stuck = Six(2, 1);
        foreach (var state in new[] { UpgradeState.Rolling, UpgradeState.Paused, UpgradeState.RollingBack })
        {
            var upgrade = Started() with { State = state, BatchStartedAt = T0 };
            var after = UpgradeMachine.Advance(upgrade, stuck, far).Upgrade;
            Assert.NotEqual(state, after.State);
        }
    }

    [Fact]
    public void A_policy_is_read_with_durations_and_refused_by_field()
    {
        var errors = new FieldErrors();
        var policy = UpgradePolicyDraft.Check(new UpgradePolicyDraft { BatchSize = 3, Interval = "10s", Order = "stop-first", OnFailure = "pause", MinHealthy = "0s" }, UpgradePolicy.Default, "upgrade", errors);

        Assert.True(errors.IsEmpty);
        Assert.Equal(3, policy!.BatchSize);
        Assert.Equal(TimeSpan.FromSeconds(10), policy.Interval);
        Assert.Equal(UpgradeOrder.StopFirst, policy.Order);
        Assert.Equal(FailureAction.Pause, policy.OnFailure);
        Assert.Equal(UpgradePolicy.Default.BatchDeadline, policy.BatchDeadline);

        var refused = new FieldErrors();
        Assert.Null(UpgradePolicyDraft.Check(new UpgradePolicyDraft { BatchSize = 0, Interval = "soon", Order = "sideways", MinHealthy = "10m", BatchDeadline = "5m" }, UpgradePolicy.Default, "upgrade", refused));
        Assert.Equal(["upgrade.batchSize", "upgrade.interval", "upgrade.minHealthy", "upgrade.order"], refused.ToDictionary().Keys.Order(StringComparer.Ordinal));
        Assert.Same(UpgradePolicy.Default, UpgradePolicyDraft.Check(null, UpgradePolicy.Default, "upgrade", new FieldErrors()));
    }
}
