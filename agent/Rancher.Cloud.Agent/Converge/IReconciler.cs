using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Converge;

/// <summary>
/// One concern of the host (its network, its containers, its health checks; next the balancer,
/// volumes, machines): it observes, compares with the plan, acts, and says how it stands. The
/// agent loop runs them in order on every pass; none reaches into another.
/// </summary>
public interface IReconciler
{
    /// <summary>One of <see cref="HostConcerns"/>.</summary>
    string Concern { get; }

    /// <summary>Brings the concern to <see cref="Convergence.Plan"/>; failures it can name are its condition, not an exception.</summary>
    Task<HostCondition> ReconcileAsync(Convergence pass, CancellationToken ct);
}
