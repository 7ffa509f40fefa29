namespace Rancher.Cloud.Domain.Upgrades;

/// <summary>
/// Where an upgrade stands. Rolling and rolling back move toward a version a batch at a time;
/// paused waits for someone (at most the policy's pause limit). The rest are ends: upgraded,
/// rolled back, and a rollback that itself failed, which says why and leaves the service to
/// its operator rather than "rolling back" forever.
/// </summary>
public enum UpgradeState
{
    Rolling,
    Paused,
    RollingBack,
    Upgraded,
    RolledBack,
    RollbackFailed,
}

/// <summary>
/// A service's change of version, from <see cref="From"/> to <see cref="To"/> (launch configuration
/// versions), under <see cref="Policy"/>. Immutable: each step of <see cref="UpgradeMachine"/>
/// gives the next one.
/// </summary>
public sealed record Upgrade(string From, string To, UpgradePolicy Policy, UpgradeState State, DateTimeOffset StartedAt)
{
    /// <summary>When the current state began: its deadlines count from here.</summary>
    public DateTimeOffset StateSince { get; init; } = StartedAt;

    /// <summary>When the batch in flight started; null before the first.</summary>
    public DateTimeOffset? BatchStartedAt { get; init; }

    /// <summary>Since when every instance of the batch in flight has been healthy; null while one is not.</summary>
    public DateTimeOffset? HealthySince { get; init; }

    /// <summary>Batches started in the current direction.</summary>
    public int Batches { get; init; }

    /// <summary>How many instances may still be on another version once the batch in flight is done; null for none in flight.</summary>
    public int? RemainingGoal { get; init; }

    /// <summary>When the last batch counted as healthy: the interval to the next counts from here.</summary>
    public DateTimeOffset? SettledAt { get; init; }

    /// <summary>Why the upgrade is where it is, when something went wrong or someone acted.</summary>
    public string? Reason { get; init; }

    /// <summary>The version instances are moved to now: the new one, or the old one when rolling back.</summary>
    public string Target => State is UpgradeState.RollingBack or UpgradeState.RolledBack or UpgradeState.RollbackFailed ? From : To;

    public bool IsOver => State is UpgradeState.Upgraded or UpgradeState.RolledBack or UpgradeState.RollbackFailed;

    public static Upgrade Start(string from, string to, UpgradePolicy policy, DateTimeOffset now) =>
        new(from, to, policy, UpgradeState.Rolling, now);
}

/// <summary>
/// What the service's instances show of an upgrade's progress, as the reconciler sees them.
/// </summary>
/// <param name="Desired">Instances the service should have.</param>
/// <param name="AtTarget">Instances running the target version (healthy or not).</param>
/// <param name="HealthyAtTarget">Of those, the ones that pass their health checks.</param>
/// <param name="FailedAtTarget">Target-version instances that failed: unhealthy, exited, or could not start.</param>
/// <param name="Remaining">Instances still on another version.</param>
/// <param name="FailedWhy">What the last failure said (a check's output), for the reason shown.</param>
public sealed record UpgradeProgress(int Desired, int AtTarget, int HealthyAtTarget, int FailedAtTarget, int Remaining, string? FailedWhy = null);

/// <summary>One step's outcome: the upgrade as it now stands, how many old instances to replace now, and what to record.</summary>
public sealed record UpgradeStep(Upgrade Upgrade, int Replace, UpgradeEvent? Event);

/// <summary>Something an upgrade did that the environment's events record.</summary>
public sealed record UpgradeEvent(string Kind, string Message);
