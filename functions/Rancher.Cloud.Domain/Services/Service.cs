using Rancher.Cloud.Domain.Upgrades;

namespace Rancher.Cloud.Domain.Services;

/// <summary>A service of an environment: a spec, how many instances of it to run, and whether it is being deleted.</summary>
public sealed record Service(string Id, ServiceSpec Spec, int Scale, DateTimeOffset CreatedAt, bool Deleting = false)
{
    /// <summary>How many earlier launch configurations a service keeps for a rollback.</summary>
    public const int KeptVersions = 3;

    /// <summary>How the service changes version when its launch configuration does; null for the defaults.</summary>
    public UpgradePolicy? Policy { get; init; }

    /// <summary>The upgrade in flight, or the last one (its end says how it went); null before the first.</summary>
    public Upgrade? Upgrade { get; init; }

    /// <summary>On a candidate (clone → switch): the id of the service it may replace; null otherwise.</summary>
    public string? CandidateOf { get; init; }

    /// <summary>On a service with a candidate: how much of its traffic goes to it; null while all stays.</summary>
    public TrafficSwitch? Traffic { get; init; }

    /// <summary>Earlier launch configurations, newest first (at most <see cref="KeptVersions"/>).</summary>
    public IReadOnlyList<ServiceVersion> History { get; init; } = [];

    /// <summary>The version <see cref="Spec"/> is: new instances run it, and an upgrade in flight moves toward it.</summary>
    public string Version => LaunchVersion.Of(Spec);

    /// <summary>Whether an upgrade is moving instances now (paused counts: it holds the service mid-way).</summary>
    public bool Upgrading => Upgrade is { IsOver: false };

    /// <summary>The version an instance runs: as placed, or for one placed before versions were kept, the one an upgrade left.</summary>
    public string VersionOf(Instance instance) => instance.Version ?? Upgrade?.From ?? Version;

    /// <summary>
    /// The spec an instance runs: the current one, or once the service has had an upgrade, the
    /// kept version the instance was placed with. A change that started no upgrade applies to
    /// every instance at once (a balancer's, or one of a service that ran nothing).
    /// </summary>
    public ServiceSpec SpecOf(Instance instance)
    {
        var version = VersionOf(instance);
        // A service that became an alias (a finished switch) runs nothing: its last instances, on
        // their way out, keep the launch configuration they were made with.
        var runsNothing = Spec.Alias is not null || Spec.External is not null;
        if (version == Version || (Upgrade is null && !runsNothing))
        {
            return Spec;
        }
        // Any kept version: an instance an earlier, failed upgrade left behind keeps running what it runs.
        return History.FirstOrDefault(h => h.Version == version)?.Spec ?? Spec;
    }

    /// <summary>
    /// The service moved to <paramref name="spec"/>: the current launch configuration joins the
    /// history (most recent first, the oldest dropped past <see cref="KeptVersions"/>).
    /// </summary>
    public Service WithSpec(ServiceSpec spec, DateTimeOffset now)
    {
        var kept = History.Where(h => h.Version != Version && h.Version != LaunchVersion.Of(spec)).Take(KeptVersions - 1);
        return this with { Spec = spec, History = [new ServiceVersion(Version, Spec, now), .. kept] };
    }
}
