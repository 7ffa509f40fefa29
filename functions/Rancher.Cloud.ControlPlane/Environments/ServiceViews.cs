using System.Text.Json.Serialization;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.Domain.Scheduling;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>
/// A service as the API shows it: its spec's fields (written flat, declared once in
/// <see cref="ServiceSpec"/>), its instances, and why any could not be placed.
/// </summary>
public sealed record ServiceView(
    string Id,
    [property: Flatten("compose")] ServiceSpec Spec,
    int Scale,
    string State,
    IReadOnlyList<InstanceView> Instances,
    PlacementView? Placement,
    DateTimeOffset CreatedAt) : ITagged
{
    [JsonIgnore]
    public string ETag { get; init; } = "";

    /// <summary>The launch configuration version new instances run.</summary>
    public string Version { get; init; } = "";

    /// <summary>The upgrade in flight, or how the last one ended; null before the first.</summary>
    public UpgradeView? Upgrade { get; init; }

    /// <summary>How this service upgrades when its launch configuration changes.</summary>
    public UpgradePolicyView? UpgradePolicy { get; init; }

    /// <summary>Earlier launch configurations kept for a rollback, newest first: version and since when it was replaced.</summary>
    public IReadOnlyList<VersionView> PreviousVersions { get; init; } = [];

    /// <summary>On a candidate (clone → switch): the id of the service it may replace.</summary>
    public string? CandidateOf { get; init; }

    /// <summary>On a service whose traffic is switched to its candidate: which, and how much.</summary>
    public TrafficView? Traffic { get; init; }
}

/// <summary>A switch of a service's traffic: <c>weight</c> percent of it goes to the candidate (at 100 its DNS name too).</summary>
public sealed record TrafficView(string CandidateId, int Weight, DateTimeOffset Since);

/// <summary>An upgrade as shown: where it stands and why, between which versions, how far.</summary>
public sealed record UpgradeView(
    string State, string From, string To, DateTimeOffset StartedAt, DateTimeOffset StateSince, int Batches, string? Reason, UpgradePolicyView Policy);

/// <summary>An upgrade policy as shown: durations in Go's syntax, as they are given.</summary>
public sealed record UpgradePolicyView(
    int BatchSize, string Interval, string Order, string MinHealthy, string BatchDeadline, string ProgressDeadline, int FailureThreshold, string OnFailure, string PauseLimit)
{
    /// <summary>A rollback's own pace; null: a rollback goes as the upgrade did.</summary>
    public RollbackPaceView? Rollback { get; init; }
}

/// <summary>A rollback's pace as shown.</summary>
public sealed record RollbackPaceView(int BatchSize, string Interval, string Order, string MinHealthy);

/// <summary>A launch configuration the service ran before.</summary>
public sealed record VersionView(string Version, string Image, DateTimeOffset ReplacedAt);

/// <summary>One instance: where it is placed, what its agent last observed, and its health check's verdict.</summary>
public sealed record InstanceView(string Id, int Slot, string HostId, string State, string? ContainerId, string? Error)
{
    /// <summary>starting, healthy or unhealthy; null when the service has no health check.</summary>
    public string? Health { get; init; }

    /// <summary>What the failing check said.</summary>
    public string? HealthOutput { get; init; }

    /// <summary>Its address on the environment network.</summary>
    public string? Address { get; init; }

    /// <summary>The launch configuration version it runs.</summary>
    public string? Version { get; init; }

    /// <summary>Since when it is out of rotation, draining before it stops; null while it serves.</summary>
    public DateTimeOffset? RetiringSince { get; init; }
}

/// <summary>Instances that could not be placed, and each host's reason.</summary>
public sealed record PlacementView(int Unplaced, IReadOnlyList<Rejection> Reasons);
