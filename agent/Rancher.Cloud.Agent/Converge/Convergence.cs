using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Converge;

/// <summary>
/// One converge pass toward a plan, as its reconcilers hand it on: what an earlier concern
/// found that a later one must know (no network to start containers on), and what was observed.
/// </summary>
public sealed class Convergence(HostPlan plan)
{
    public HostPlan Plan { get; } = plan;

    /// <summary>Why no container can start on this host in this pass, or null.</summary>
    public string? Blocked { get; set; }

    /// <summary>Each planned instance as last observed in this pass.</summary>
    public IReadOnlyList<ObservedContainer> Observed { get; set; } = [];
}
