using Rancher.Cloud.Domain.Scheduling;

namespace Rancher.Cloud.Domain.Reconcile;

/// <summary>
/// How many of a service's instances could not be placed, and each host's reason, so a
/// service never sits "activating" without saying why.
/// </summary>
public sealed record ServiceStatus(int Unplaced, IReadOnlyList<Rejection> Reasons)
{
    public static ServiceStatus Placed { get; } = new(0, []);

    public bool SameAs(ServiceStatus other) =>
        Unplaced == other.Unplaced && Reasons.SequenceEqual(other.Reasons);
}
