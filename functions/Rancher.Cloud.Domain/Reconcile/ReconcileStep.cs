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

    public bool IsEmpty =>
        Added.Count == 0 && Removed.Count == 0 && PurgedServices.Count == 0 && Statuses.Count == 0 && Plans.Count == 0 && Replacements.Count == 0;
}

/// <summary>A new plan for a host, with the hash the next step compares against.</summary>
public sealed record PlanRevision(HostPlan Plan, string ContentHash);
