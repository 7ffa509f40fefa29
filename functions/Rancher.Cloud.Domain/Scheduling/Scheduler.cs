using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Scheduling;

/// <summary>The result of placing one instance: a host, or every host's reason for refusing it.</summary>
public sealed record Placement(HostView? Host, IReadOnlyList<Rejection> Rejections)
{
    public bool Placed => Host is not null;
}

/// <summary>
/// Places instances: filter hosts by feasibility, then pick the best by score. Spreads by
/// default (fewest instances of the service, then fewest overall) and breaks ties by host
/// id, so the same inputs always give the same placement.
/// </summary>
public sealed class Scheduler
{
    private readonly IReadOnlyList<IHostFilter> filters;

    public Scheduler(IReadOnlyList<IHostFilter> filters) => this.filters = filters;

    /// <summary>The filters every environment uses today.</summary>
    public static Scheduler Default { get; } = new([new HostMustBeActive(), new PublishedPortsMustBeFree()]);

    public Placement Place(Service service, IReadOnlyList<HostView> hosts)
    {
        if (hosts.Count == 0)
        {
            return new Placement(null, [new Rejection("", Constraints.NoHosts, "the environment has no hosts; register one with a registration token")]);
        }
        var rejections = new List<Rejection>();
        HostView? best = null;
        foreach (var host in hosts)
        {
            var rejection = Reject(service, host);
            if (rejection is not null)
            {
                rejections.Add(rejection);
            }
            else if (best is null || Better(service, host, best))
            {
                best = host;
            }
        }
        if (best is null)
        {
            return new Placement(null, rejections);
        }
        best.Add(service);
        return new Placement(best, []);
    }

    private Rejection? Reject(Service service, HostView host)
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

    private static bool Better(Service service, HostView candidate, HostView current)
    {
        var byService = candidate.CountOf(service.Id).CompareTo(current.CountOf(service.Id));
        if (byService != 0)
        {
            return byService < 0;
        }
        var overall = candidate.InstanceCount.CompareTo(current.InstanceCount);
        return overall != 0 ? overall < 0 : string.CompareOrdinal(candidate.Id, current.Id) < 0;
    }
}
