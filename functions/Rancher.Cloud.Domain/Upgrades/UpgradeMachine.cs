namespace Rancher.Cloud.Domain.Upgrades;

/// <summary>
/// The rolling upgrade's state machine, pure: from an upgrade, what its instances show, and the
/// time, the next state and how many instances to replace. Every state that waits has a deadline
/// and an exit, so no upgrade stays "upgrading" or "rolling back" forever: a batch not healthy in
/// time, too many failed instances or an upgrade past its progress deadline fail it (then roll
/// back, or pause), a pause past its limit rolls back, and a rollback that fails ends, saying why.
/// </summary>
public static class UpgradeMachine
{
    /// <summary>One step: called whenever the service's instances change, and on the reconciler's tick.</summary>
    public static UpgradeStep Advance(Upgrade upgrade, UpgradeProgress progress, DateTimeOffset now)
    {
        var policy = upgrade.Policy;
        switch (upgrade.State)
        {
            case UpgradeState.Paused:
                return now - upgrade.StateSince >= policy.PauseLimit
                    ? Fail(upgrade, $"paused for longer than {policy.PauseLimit}", now, rollBack: true)
                    : Stay(upgrade);
            case UpgradeState.Rolling or UpgradeState.RollingBack:
                break;
            default:
                return Stay(upgrade);
        }

        if (progress.FailedAtTarget > policy.FailureThreshold)
        {
            var why = $"{progress.FailedAtTarget} instance(s) of version {upgrade.Target} failed" + (progress.FailedWhy is { } w ? $": {w}" : "");
            return Fail(upgrade, why, now);
        }
        if (now - LastProgress(upgrade) >= policy.ProgressDeadline)
        {
            return Fail(upgrade, $"no batch became healthy within its progress deadline of {policy.ProgressDeadline}", now);
        }

        if (upgrade.BatchStartedAt is { } started)
        {
            // A batch is over only when its slots moved: a replacement that fits nowhere is a batch not yet healthy.
            if (progress.AtTarget != progress.HealthyAtTarget || progress.Remaining > (upgrade.RemainingGoal ?? progress.Remaining))
            {
                // Not healthy (again): the minimum healthy time starts over; a flapping batch meets its deadline.
                return now - started >= policy.BatchDeadline
                    ? Fail(upgrade, $"batch {upgrade.Batches} not healthy within {policy.BatchDeadline}", now)
                    : Stay(upgrade with { HealthySince = null });
            }
            var since = upgrade.HealthySince ?? now;
            if (now - since < policy.MinHealthy)
            {
                return Stay(upgrade with { HealthySince = since }); // healthy, not yet for long enough to count
            }
        }

        var justSettled = upgrade.BatchStartedAt is not null;
        var current = justSettled ? upgrade with { BatchStartedAt = null, HealthySince = null, SettledAt = now } : upgrade;
        var settledEvent = justSettled ? new UpgradeEvent("batch-healthy", $"batch {upgrade.Batches} of version {upgrade.Target} is healthy") : null;
        if (progress.Remaining == 0 && progress.HealthyAtTarget >= progress.Desired)
        {
            var done = current with
            {
                State = upgrade.State == UpgradeState.Rolling ? UpgradeState.Upgraded : UpgradeState.RolledBack,
                StateSince = now,
            };
            return new UpgradeStep(done, 0, After(settledEvent, done.State == UpgradeState.Upgraded
                ? new UpgradeEvent("upgraded", $"every instance runs version {upgrade.To}")
                : new UpgradeEvent("rolled-back", $"every instance runs version {upgrade.From} again" + (upgrade.Reason is { } r ? $" ({r})" : ""))));
        }
        if (progress.Remaining == 0)
        {
            return new UpgradeStep(current, 0, settledEvent); // the last instances are still being made
        }
        if (current.SettledAt is { } at && now - at < policy.Interval)
        {
            return new UpgradeStep(current, 0, settledEvent);
        }
        var batch = Math.Min(policy.BatchSize, progress.Remaining);
        var next = current with { BatchStartedAt = now, Batches = current.Batches + 1, RemainingGoal = progress.Remaining - batch };
        return new UpgradeStep(next, batch, After(settledEvent, new UpgradeEvent("batch-started", $"batch {next.Batches}: {batch} instance(s) to version {upgrade.Target}")));
    }

    /// <summary>When the upgrade last moved: its state began, or a batch became healthy.</summary>
    public static DateTimeOffset LastProgress(Upgrade upgrade) =>
        upgrade.SettledAt is { } settled && settled > upgrade.StateSince ? settled : upgrade.StateSince;

    /// <summary>One event for two things that happened at once: the second's kind, both said.</summary>
    private static UpgradeEvent After(UpgradeEvent? first, UpgradeEvent then) =>
        first is null ? then : then with { Message = $"{first.Message}; {then.Message}" };

    /// <summary>
    /// What someone asks of an upgrade. Pause and resume apply to a rolling upgrade; rollback to one
    /// rolling, paused or done; finish skips the remaining waits of one rolling or paused. Anything
    /// else is refused with why, and nothing changes.
    /// </summary>
    public static (Upgrade? Upgrade, string? Refused) Act(Upgrade upgrade, UpgradeAction action, DateTimeOffset now) => (action, upgrade.State) switch
    {
        (UpgradeAction.Pause, UpgradeState.Rolling) => (upgrade with { State = UpgradeState.Paused, StateSince = now, Reason = "paused by request" }, null),
        // A batch cut short by the pause is judged again, with a fresh deadline, before another starts.
        (UpgradeAction.Resume, UpgradeState.Paused) =>
            (upgrade with { State = UpgradeState.Rolling, StateSince = now, BatchStartedAt = upgrade.Batches > 0 ? now : null, HealthySince = null, Reason = null }, null),
        // A rollback that failed may be tried again (its cause fixed): otherwise only a new version would get out of it.
        (UpgradeAction.Rollback, UpgradeState.Rolling or UpgradeState.Paused or UpgradeState.Upgraded or UpgradeState.RollbackFailed) =>
            (TurnBack(upgrade, "rolled back by request", now), null),
        (UpgradeAction.Finish, UpgradeState.Rolling or UpgradeState.Paused) =>
            (upgrade with
            {
                State = UpgradeState.Rolling,
                StateSince = now,
                Policy = upgrade.Policy with { BatchSize = UpgradePolicy.MaxBatchSize, Interval = TimeSpan.Zero, MinHealthy = TimeSpan.Zero },
                Reason = "finished by request: the remaining instances at once",
            }, null),
        _ => (null, $"an upgrade that is {Name(upgrade.State)} cannot {action.ToString().ToLowerInvariant()}"),
    };

    public static string Name(UpgradeState state) => state switch
    {
        UpgradeState.Rolling => "upgrading",
        UpgradeState.Paused => "paused",
        UpgradeState.RollingBack => "rolling back",
        UpgradeState.Upgraded => "upgraded",
        UpgradeState.RolledBack => "rolled back",
        _ => "failed to roll back",
    };

    private static UpgradeStep Stay(Upgrade upgrade) => new(upgrade, 0, null);

    /// <summary>A failure: a rolling upgrade rolls back (or pauses, by its policy); a rollback that fails ends.</summary>
    private static UpgradeStep Fail(Upgrade upgrade, string why, DateTimeOffset now, bool rollBack = false)
    {
        if (upgrade.State == UpgradeState.RollingBack)
        {
            return new UpgradeStep(upgrade with { State = UpgradeState.RollbackFailed, StateSince = now, BatchStartedAt = null, Reason = why }, 0,
                new UpgradeEvent("rollback-failed", $"the rollback to version {upgrade.From} failed: {why}"));
        }
        if (!rollBack && upgrade.Policy.OnFailure == FailureAction.Pause)
        {
            return new UpgradeStep(upgrade with { State = UpgradeState.Paused, StateSince = now, BatchStartedAt = null, Reason = why }, 0,
                new UpgradeEvent("paused", $"the upgrade to version {upgrade.To} paused: {why}"));
        }
        return new UpgradeStep(TurnBack(upgrade, why, now), 0,
            new UpgradeEvent("rolling-back", $"the upgrade to version {upgrade.To} rolls back: {why}"));
    }

    /// <summary>Toward the old version again, batches counted anew, at the policy's rollback pace.</summary>
    private static Upgrade TurnBack(Upgrade upgrade, string why, DateTimeOffset now) =>
        upgrade with { State = UpgradeState.RollingBack, StateSince = now, BatchStartedAt = null, SettledAt = null, Batches = 0, Reason = why, Policy = upgrade.Policy.ForRollback() };
}

/// <summary>What a user may ask of an upgrade in flight.</summary>
public enum UpgradeAction
{
    Pause,
    Resume,
    Rollback,
    Finish,
}
