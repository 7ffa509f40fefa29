namespace Rancher.Cloud.Domain.Events;

/// <summary>
/// Something that happened in an environment, as its event stream records it: written in the
/// same transaction as the change it records, so the stream never tells of a change that did not
/// happen, nor misses one that did.
/// </summary>
/// <param name="Type">One of <see cref="EventTypes"/>: <c>&lt;kind&gt;.&lt;what happened&gt;</c>.</param>
/// <param name="Subject">What it happened to: a service, stack or host id (a service's, for its instances).</param>
/// <param name="Message">What happened, in words a user reads.</param>
public sealed record EnvironmentEvent(string Type, string Subject, string Message);

/// <summary>The kinds of events, by what they concern; a reader filters by one, or by a kind (<c>service.</c>).</summary>
public static class EventTypes
{
    public const string ServiceCreated = "service.created";
    public const string ServiceChanged = "service.changed";
    public const string ServiceDeleted = "service.deleted";
    public const string StackImported = "stack.imported";
    public const string StackRevised = "stack.revised";
    public const string StackDeleted = "stack.deleted";
    public const string HostRegistered = "host.registered";
    public const string InstancePlaced = "instance.placed";
    public const string InstanceRemoved = "instance.removed";
    public const string InstanceReplaced = "instance.replaced";
    public const string PlacementFailed = "placement.failed";

    /// <summary>An upgrade's events: <c>upgrade.</c> and what happened (<see cref="Upgrades.UpgradeEvent.Kind"/>).</summary>
    public const string UpgradeKind = "upgrade.";
    public const string UpgradeStarted = UpgradeKind + "started";

    /// <summary>Clone → switch: a candidate made, traffic switched to it (or a canary's share), switched back, finished.</summary>
    public const string ServiceCloned = "service.cloned";
    public const string TrafficKind = "traffic.";
    public const string TrafficSwitched = TrafficKind + "switched";
    public const string TrafficRolledBack = TrafficKind + "rolled-back";
    public const string TrafficFinished = TrafficKind + "finished";

    private static readonly string[] UpgradeKinds =
        ["started", "batch-started", "batch-healthy", "paused", "resumed", "rolling-back", "rolled-back", "rollback-failed", "upgraded", "finished"];

    public static readonly string[] All =
    [
        ServiceCreated, ServiceChanged, ServiceDeleted, StackImported, StackRevised, StackDeleted, HostRegistered,
        InstancePlaced, InstanceRemoved, InstanceReplaced, PlacementFailed,
        ServiceCloned, TrafficSwitched, TrafficRolledBack, TrafficFinished,
        .. UpgradeKinds.Select(k => UpgradeKind + k),
    ];

    /// <summary>Whether <paramref name="filter"/> names a type, or a kind ending in '.'.</summary>
    public static bool IsFilter(string filter) =>
        All.Contains(filter, StringComparer.Ordinal) || (filter.EndsWith('.') && All.Any(t => t.StartsWith(filter, StringComparison.Ordinal)));

    /// <summary>How long an environment keeps its events.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);
}
