using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Reconcile;

/// <summary>
/// One bounded step toward the desired state, applied atomically by the store. Bounded so
/// that it fits one storage transaction; <see cref="MoreWork"/> says another step is due.
/// </summary>
public sealed record ReconcileStep(
    IReadOnlyList<Instance> Added,
    IReadOnlyList<Instance> Removed,
    IReadOnlyList<string> PurgedServices,
    IReadOnlyDictionary<string, ServiceStatus> Statuses,
    IReadOnlyList<PlanRevision> Plans,
    bool MoreWork)
{
    /// <summary>Services whose replacement history changed in this step.</summary>
    public IReadOnlyDictionary<string, ReplacementHistory> Replacements { get; init; } = new Dictionary<string, ReplacementHistory>();

    /// <summary>Services whose upgrade moved on (and their spec, when it turned back), by id.</summary>
    public IReadOnlyDictionary<string, Service> Services { get; init; } = new Dictionary<string, Service>();

    /// <summary>Instances this step took out of rotation, as they now are (<see cref="Instance.RetiringSince"/> set).</summary>
    public IReadOnlyList<Instance> Retired { get; init; } = [];

    /// <summary>What upgrades did, for the event stream.</summary>
    public IReadOnlyList<(string ServiceId, Upgrades.UpgradeEvent Event)> UpgradeEvents { get; init; } = [];

    /// <summary>When a change this step waits on falls due: the reconciler looks again then, whether or not the step is empty.</summary>
    public DateTimeOffset? WakeAt { get; init; }

    public bool IsEmpty =>
        Added.Count == 0 && Removed.Count == 0 && PurgedServices.Count == 0 && Statuses.Count == 0 && Plans.Count == 0 && Replacements.Count == 0
        && Services.Count == 0 && Retired.Count == 0;
}

/// <summary>A new plan for a host, with the hash the next step compares against.</summary>
public sealed record PlanRevision(HostPlan Plan, string ContentHash);
