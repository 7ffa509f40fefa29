using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Reconcile;

/// <summary>Everything the reconciler reads about one environment, as of one revision.</summary>
public sealed record EnvironmentSnapshot(
    IReadOnlyList<Service> Services,
    IReadOnlyList<Instance> Instances,
    IReadOnlyList<Host> Hosts,
    IReadOnlyDictionary<string, StoredPlan> Plans,
    IReadOnlyDictionary<string, ServiceStatus> Statuses)
{
    /// <summary>Instances whose health checks fail, as their agents last reported.</summary>
    public IReadOnlyList<UnhealthyInstance> Unhealthy { get; init; } = [];

    /// <summary>The environment's id and network CIDR, which host plans carry.</summary>
    public string EnvironmentId { get; init; } = "";

    public string? Cidr { get; init; }

    /// <summary>The environment's name: its DNS names end in <c>&lt;name&gt;.rancher.internal</c>.</summary>
    public string? Name { get; init; }

    /// <summary>The image the environment's balancers run (its setting, or the operator's default).</summary>
    public string BalancerImage { get; init; } = Balancing.BalancerService.DefaultImage;

    /// <summary>The environment's certificates' fingerprints, by name: balancers load them as files named by both.</summary>
    public IReadOnlyDictionary<string, string> Certificates { get; init; } = new Dictionary<string, string>();

    /// <summary>ACME challenges the control plane is proving now; balancers answer them.</summary>
    public IReadOnlyList<Contracts.PlannedChallenge> AcmeChallenges { get; init; } = [];

    /// <summary>What agents last reported of each instance, by instance id.</summary>
    public IReadOnlyDictionary<string, Networking.ObservedState> Observed { get; init; } = new Dictionary<string, Networking.ObservedState>();

    /// <summary>Each service's recent health replacements.</summary>
    public IReadOnlyDictionary<string, ReplacementHistory> Replacements { get; init; } = new Dictionary<string, ReplacementHistory>();
}

/// <summary>The version and content hash of the plan stored for a host.</summary>
public sealed record StoredPlan(long Version, string ContentHash);
