using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Scheduling;

/// <summary>The result of placing one instance: a host, or every host's reason for refusing it.</summary>
public sealed record Placement(HostView? Host, IReadOnlyList<Rejection> Rejections)
{
    public bool Placed => Host is not null;
}

/// <summary>
/// Places instances: filter hosts by feasibility (hard rules), then pick the best by score
/// (soft rules first, then spread: fewest instances of the service, then fewest overall, then
/// host id). Like Nomad's limit iterator, it stops looking once it has found
/// <see cref="FeasibleSample"/> feasible hosts, starting from a point derived from the service
/// and slot, so large fleets cost a bounded amount per placement. Deterministic: the same
/// inputs give the same placement. When nothing fits, every host's reason is returned.
/// </summary>
public sealed class Scheduler
{
    /// <summary>Feasible hosts compared per placement; fleets up to this size are compared in full.</summary>
    public const int FeasibleSample = 16;

    private readonly IHostFilter[] filters;

    public Scheduler(IReadOnlyList<IHostFilter> filters) => this.filters = [.. filters];

    /// <summary>The filters every environment uses.</summary>
    public static Scheduler Default { get; } = new(
        [new HostMustBeActive(), new VolumeStaysOnItsHost(), new PublishedPortsMustBeFree(), new HostLabelsMustMatch(), new AffinityMustHold(), new ReservationsMustFit(), new HostNetworkMustHaveRoom(), new HostNetworkMustBeClear(), new HostNetworkOncePerHost(), new SharedNetworkBesideItsService(), new CpusetMustExist()]);

    /// <param name="service">The service to place an instance of.</param>
    /// <param name="hosts">The hosts, in a stable order.</param>
    /// <param name="slot">The instance's slot: varies where the search starts, so a big fleet is not scanned from the same host every time.</param>
    /// <param name="avoid">Hosts to pass over while any other host fits (where this service's instances recently failed their health checks).</param>
    public Placement Place(Service service, IReadOnlyList<HostView> hosts, int slot = 0, IReadOnlySet<string>? avoid = null)
    {
        if (avoid is { Count: > 0 })
        {
            var elsewhere = Search(service, hosts, slot, avoid);
            if (elsewhere.Placed)
            {
                return elsewhere;
            }
        }
        return Search(service, hosts, slot, null);
    }

    /// <summary>Why <paramref name="host"/> cannot take an instance of <paramref name="service"/>, or null when it can.</summary>
    public Rejection? Check(Service service, HostView host) => Reject(filters, service, host);

    private Placement Search(Service service, IReadOnlyList<HostView> hosts, int slot, IReadOnlySet<string>? avoid)
    {
        if (hosts.Count == 0)
        {
            return new Placement(null, [new Rejection("", Constraints.NoHosts, "the environment has no hosts; register one with a registration token")]);
        }
        var applicable = Array.FindAll(filters, f => f.AppliesTo(service));
        var start = hosts.Count <= FeasibleSample ? 0 : (int)((StableHash(service.Id) + (uint)slot * 2654435761u) % (uint)hosts.Count);
        HostView? best = null;
        var bestScore = 0;
        var feasible = 0;
        List<Rejection>? rejections = null;
        for (var i = 0; i < hosts.Count && feasible < FeasibleSample; i++)
        {
            var host = hosts[(start + i) % hosts.Count];
            if (avoid is not null && avoid.Contains(host.Id))
            {
                (rejections ??= []).Add(new Rejection(host.Id, Constraints.RecentlyFailed, "instances of this service recently failed their health checks here"));
                continue;
            }
            if (Reject(applicable, service, host) is { } rejection)
            {
                (rejections ??= []).Add(rejection);
                continue;
            }
            feasible++;
            var score = SoftScore(service, host);
            if (best is null || Better(service, host, score, best, bestScore))
            {
                best = host;
                bestScore = score;
            }
        }
        if (best is null)
        {
            return new Placement(null, rejections!.OrderBy(r => r.HostId, StringComparer.Ordinal).ToList());
        }
        best.Add(service);
        return new Placement(best, []);
    }

    private static Rejection? Reject(IHostFilter[] filters, Service service, HostView host)
    {
        foreach (var filter in filters)
        {
            if (filter.Check(service, host) is { } rejection)
            {
                return rejection;
            }
        }
        return null;
    }

    /// <summary>One point per soft rule the host satisfies.</summary>
    private static int SoftScore(Service service, HostView host)
    {
        var rules = service.Spec.Scheduling;
        var score = 0;
        foreach (var rule in rules.HostLabels)
        {
            score += rule.Soft && rule.MatchedBy(host.Labels) ? 1 : 0;
        }
        foreach (var rule in rules.Affinity)
        {
            score += rule.Soft && rule.MatchedBy(host.CountOfName(rule.Service)) ? 1 : 0;
        }
        return score;
    }

    private static bool Better(Service service, HostView candidate, int candidateScore, HostView current, int currentScore)
    {
        if (candidateScore != currentScore)
        {
            return candidateScore > currentScore;
        }
        var byService = candidate.CountOf(service.Id).CompareTo(current.CountOf(service.Id));
        if (byService != 0)
        {
            return byService < 0;
        }
        var overall = candidate.InstanceCount.CompareTo(current.InstanceCount);
        return overall != 0 ? overall < 0 : string.CompareOrdinal(candidate.Id, current.Id) < 0;
    }

    /// <summary>FNV-1a: stable across processes, unlike string.GetHashCode.</summary>
    private static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash;
    }
}
