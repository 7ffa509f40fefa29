using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Upgrades;

/// <summary>Whether a batch's new instances start before its old ones stop (no gap) or after (ports freed first).</summary>
public enum UpgradeOrder
{
    StartFirst,
    StopFirst,
}

/// <summary>What a failed upgrade does: go back to the previous version, or wait for someone.</summary>
public enum FailureAction
{
    Rollback,
    Pause,
}

/// <summary>
/// How a service changes version: <see cref="BatchSize"/> instances at a time, the next batch only
/// once the last has been healthy for <see cref="MinHealthy"/>; a batch not healthy within
/// <see cref="BatchDeadline"/>, more than <see cref="FailureThreshold"/> failed instances, or the
/// whole upgrade past <see cref="ProgressDeadline"/> is a failure, and <see cref="OnFailure"/> says
/// what follows. A pause lasts at most <see cref="PauseLimit"/>, then the upgrade rolls back.
/// </summary>
public sealed record UpgradePolicy
{
    public int BatchSize { get; init; } = 1;

    /// <summary>The wait between one batch counting as healthy and the next starting.</summary>
    public TimeSpan Interval { get; init; }

    /// <summary>Null: start-first, unless the service publishes ports, which its old instances hold (<see cref="ServiceUpgrades.OrderFor"/>).</summary>
    public UpgradeOrder? Order { get; init; }

    public TimeSpan MinHealthy { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan BatchDeadline { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan ProgressDeadline { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How many new instances may fail before the upgrade does; 0 fails at the first.</summary>
    public int FailureThreshold { get; init; }

    public FailureAction OnFailure { get; init; } = FailureAction.Rollback;

    public TimeSpan PauseLimit { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How a rollback paces itself (compose <c>deploy.rollback_config</c>); null: as the upgrade did.</summary>
    public RollbackPace? Rollback { get; init; }

    public static readonly UpgradePolicy Default = new();

    /// <summary>The policy a rollback runs under: this one, at the rollback's own pace when it has one.</summary>
    public UpgradePolicy ForRollback() => Rollback is not { } pace
        ? this
        : this with { BatchSize = pace.BatchSize, Interval = pace.Interval, Order = pace.Order ?? Order, MinHealthy = pace.MinHealthy, Rollback = null };

    public const int MaxBatchSize = 100;
}

/// <summary>A rollback's own pace: how many instances at a time, the wait between batches, their order, and how long a batch must be healthy.</summary>
public sealed record RollbackPace(int BatchSize, TimeSpan Interval, UpgradeOrder? Order, TimeSpan MinHealthy);

/// <summary>A rollback's pace as given; what is not given is the upgrade's.</summary>
public sealed record RollbackPaceDraft
{
    public int? BatchSize { get; init; }
    public string? Interval { get; init; }
    public string? Order { get; init; }
    public string? MinHealthy { get; init; }
}

/// <summary>An upgrade policy as the API and compose (<c>deploy.update_config</c>, <c>rollback_config</c>) give it: durations in Go's syntax.</summary>
public sealed record UpgradePolicyDraft
{
    public int? BatchSize { get; init; }
    public string? Interval { get; init; }
    public string? Order { get; init; }
    public string? MinHealthy { get; init; }
    public string? BatchDeadline { get; init; }
    public string? ProgressDeadline { get; init; }
    public int? FailureThreshold { get; init; }
    public string? OnFailure { get; init; }
    public string? PauseLimit { get; init; }
    public RollbackPaceDraft? Rollback { get; init; }

    /// <summary>The policy, what is not given taken from <paramref name="basis"/>; null with the errors by field.</summary>
    public static UpgradePolicy? Check(UpgradePolicyDraft? draft, UpgradePolicy basis, string field, FieldErrors errors)
    {
        if (draft is null)
        {
            return basis;
        }
        var refused = new FieldErrors();
        var policy = basis with
        {
            BatchSize = Between(draft.BatchSize, basis.BatchSize, 1, UpgradePolicy.MaxBatchSize, $"{field}.batchSize", refused),
            FailureThreshold = Between(draft.FailureThreshold, basis.FailureThreshold, 0, 1000, $"{field}.failureThreshold", refused),
            Interval = Duration(draft.Interval, basis.Interval, TimeSpan.Zero, $"{field}.interval", refused),
            MinHealthy = Duration(draft.MinHealthy, basis.MinHealthy, TimeSpan.Zero, $"{field}.minHealthy", refused),
            BatchDeadline = Duration(draft.BatchDeadline, basis.BatchDeadline, TimeSpan.FromSeconds(1), $"{field}.batchDeadline", refused),
            ProgressDeadline = Duration(draft.ProgressDeadline, basis.ProgressDeadline, TimeSpan.FromSeconds(1), $"{field}.progressDeadline", refused),
            PauseLimit = Duration(draft.PauseLimit, basis.PauseLimit, TimeSpan.FromMinutes(1), $"{field}.pauseLimit", refused),
            Order = OrderOf(draft.Order, basis.Order, $"{field}.order", refused),
            OnFailure = draft.OnFailure switch
            {
                null => basis.OnFailure,
                "rollback" => FailureAction.Rollback,
                "pause" => FailureAction.Pause,
                _ => Refused(basis.OnFailure, $"{field}.onFailure", "is 'rollback' or 'pause'", refused),
            },
        };
        if (policy.MinHealthy >= policy.BatchDeadline)
        {
            refused.Add($"{field}.minHealthy", "must be shorter than batchDeadline, or no batch could ever count as healthy");
        }
        if (draft.Rollback is { } pace)
        {
            var since = basis.Rollback ?? new RollbackPace(policy.BatchSize, policy.Interval, null, policy.MinHealthy);
            var rollback = new RollbackPace(
                Between(pace.BatchSize, since.BatchSize, 1, UpgradePolicy.MaxBatchSize, $"{field}.rollback.batchSize", refused),
                Duration(pace.Interval, since.Interval, TimeSpan.Zero, $"{field}.rollback.interval", refused),
                OrderOf(pace.Order, since.Order, $"{field}.rollback.order", refused),
                Duration(pace.MinHealthy, since.MinHealthy, TimeSpan.Zero, $"{field}.rollback.minHealthy", refused));
            policy = policy with { Rollback = rollback };
        }
        // Checked whenever there is a pace: a later shorter batchDeadline must not make every rollback fail.
        if (policy.Rollback is { } kept && kept.MinHealthy >= policy.BatchDeadline)
        {
            refused.Add($"{field}.rollback.minHealthy", "must be shorter than batchDeadline, or no rollback batch could ever count as healthy");
        }
        foreach (var (key, reasons) in refused.ToDictionary())
        {
            foreach (var reason in reasons)
            {
                errors.Add(key, reason);
            }
        }
        return refused.IsEmpty ? policy : null;
    }

    private static int Between(int? value, int fallback, int min, int max, string field, FieldErrors errors)
    {
        if (value is { } v && (v < min || v > max))
        {
            errors.Add(field, $"must be from {min} to {max}");
        }
        return value ?? fallback;
    }

    private static TimeSpan Duration(string? text, TimeSpan fallback, TimeSpan min, string field, FieldErrors errors)
    {
        if (text is null)
        {
            return fallback;
        }
        if (!Durations.TryParse(text, out var value) || value < min || value.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            errors.Add(field, $"is a duration in whole milliseconds such as '30s', '5m' or '250ms', at least {min.TotalSeconds:0.###} s");
            return fallback;
        }
        return value;
    }

    private static UpgradeOrder? OrderOf(string? text, UpgradeOrder? fallback, string field, FieldErrors errors) => text switch
    {
        null => fallback,
        "start-first" => UpgradeOrder.StartFirst,
        "stop-first" => UpgradeOrder.StopFirst,
        _ => Refused(fallback, field, "is 'start-first' or 'stop-first'", errors),
    };

    private static T Refused<T>(T fallback, string field, string reason, FieldErrors errors)
    {
        errors.Add(field, reason);
        return fallback;
    }
}

/// <summary>A rollback as asked for: the kept launch configuration to return to; null for the previous one.</summary>
public sealed record ServiceRollback([property: Contracts.Limit(12)] string? Version);
