using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Networking;
using Rancher.Cloud.Domain.Scheduling;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Reconcile;

/// <summary>
/// Computes the next step from desired state (services and their scale) and current
/// placements: which instances to place or remove, and which host plans change. Pure: the
/// same snapshot, time and ids give the same step.
/// </summary>
public sealed class ReconcilePlanner
{
    /// <summary>Instance changes per step, so a step fits one storage transaction (100 operations).</summary>
    public const int MaxInstanceChanges = 30;

    /// <summary>Plan bytes per step, well inside a storage transaction's 4 MiB.</summary>
    public const long MaxPlanBytesPerStep = 2_500_000;

    /// <summary>A generous size of one planned container in a stored plan.</summary>
    private const int ContainerBytes = 2_000;

    /// <summary>Services visited per step, bounding status writes.</summary>
    public const int MaxServices = 20;

    private readonly Scheduler scheduler;
    private readonly IIdGenerator ids;

    public ReconcilePlanner(Scheduler scheduler, IIdGenerator ids)
    {
        this.scheduler = scheduler;
        this.ids = ids;
    }

    public ReconcileStep NextStep(EnvironmentSnapshot snapshot, DateTimeOffset now)
    {
        var services = snapshot.Services.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var views = snapshot.Hosts
            .OrderBy(h => h.Id, StringComparer.Ordinal)
            .Select(h => new HostView(h, HostLiveness.StateOf(h, now)))
            .ToList();
        var viewById = views.ToDictionary(v => v.Id, StringComparer.Ordinal);
        var lostHostsMove = LostHostsMayMove(views);
        // Instances on a host that is gone, evacuated, removed or lost move: removed here, their slots placed again below.
        var displaced = snapshot.Instances
            .Where(i => !viewById.TryGetValue(i.HostId, out var host) || host.Host.Displaces
                        || (lostHostsMove && host.State == HostState.Disconnected))
            .ToList();
        // Bounded like every change; the rest keep their slots until a later step moves them.
        var moving = displaced.Take(MaxInstanceChanges).ToList();
        var replacements = ReplaceUnhealthy(snapshot, services, moving, now);
        var displacedIds = moving.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var instance in snapshot.Instances.Where(i => !displacedIds.Contains(i.Id) && viewById.ContainsKey(i.HostId)))
        {
            if (services.TryGetValue(instance.ServiceId, out var owner))
            {
                viewById[instance.HostId].Add(owner);
            }
        }

        var addresses = new HostAddresses(snapshot.Instances.Where(i => !displacedIds.Contains(i.Id)).ToLookup(i => i.HostId, StringComparer.Ordinal));
        var added = new List<Instance>();
        var removed = new List<Instance>();
        var purged = new List<string>();
        var statuses = new Dictionary<string, ServiceStatus>(StringComparer.Ordinal);
        var instancesByService = snapshot.Instances.Where(i => !displacedIds.Contains(i.Id)).ToLookup(i => i.ServiceId, StringComparer.Ordinal);
        removed.AddRange(moving);
        var moreWork = false;
        var visited = 0;

        foreach (var service in snapshot.Services.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal))
        {
            if (added.Count + removed.Count >= MaxInstanceChanges || visited >= MaxServices)
            {
                moreWork = true;
                break;
            }
            var existing = instancesByService[service.Id].ToList();
            var global = service.Spec.Scheduling.Global;
            var desiredScale = service.Deleting ? 0 : global ? int.MaxValue : service.Scale;
            var surplus = existing.Where(i => i.Slot > desiredScale).OrderByDescending(i => i.Slot).ToList();
            if (global && !service.Deleting)
            {
                // One per host: a second instance on a host (two reconcilers racing on old data) goes.
                surplus = existing.GroupBy(i => i.HostId, StringComparer.Ordinal).SelectMany(g => g.OrderBy(i => i.Slot).Skip(1)).ToList();
                existing = existing.Except(surplus).ToList();
            }
            var changes = surplus.Count;
            foreach (var instance in surplus.Take(MaxInstanceChanges - added.Count - removed.Count))
            {
                removed.Add(instance);
                if (viewById.TryGetValue(instance.HostId, out var view))
                {
                    view.Remove(service);
                }
            }
            if (service.Deleting)
            {
                if (surplus.Count == existing.Count && removed.Count(r => r.ServiceId == service.Id) == surplus.Count)
                {
                    purged.Add(service.Id);
                }
                visited += changes > 0 ? 1 : 0;
                continue;
            }

            var avoid = (replacements.GetValueOrDefault(service.Id) ?? snapshot.Replacements.GetValueOrDefault(service.Id))?.At(now).FailedHosts
                .ToHashSet(StringComparer.Ordinal);
            var status = global
                ? PlaceGlobal(service, existing, views, added, removed.Count, addresses, ref changes, out var pending)
                : PlaceMissing(service, existing, views, added, removed.Count, avoid, addresses, ref changes, out pending);
            var stored = snapshot.Statuses.GetValueOrDefault(service.Id) ?? ServiceStatus.Placed;
            if (!status.SameAs(stored))
            {
                statuses[service.Id] = status;
            }
            if (changes > 0 || statuses.ContainsKey(service.Id))
            {
                visited++;
            }
            if (pending > 0)
            {
                moreWork = true;
            }
        }

        moreWork |= displaced.Count > MaxInstanceChanges;
        var plans = RevisePlans(snapshot, services, added, removed, out var sharedLength);
        // A host joining changes every other host's peers: the plans that fit this step's
        // transaction go now (those whose containers changed first), the rest in the next.
        // A transaction also carries at most 4 MiB: plans (which list every peer and DNS name) are
        // taken while they fit well inside it.
        var room = Math.Max(1, 99 - 1 - (2 * (added.Count + removed.Count)) - statuses.Count - (2 * purged.Count) - replacements.Count);
        var touched = added.Concat(removed).Select(i => i.HostId).ToHashSet(StringComparer.Ordinal);
        var fitting = new List<PlanRevision>();
        var bytes = 0L;
        foreach (var plan in plans.OrderBy(p => touched.Contains(p.Plan.HostId) ? 0 : 1))
        {
            // An estimate, not a second serialization: the shared peers and names, plus each container.
            var size = sharedLength + (plan.Plan.Containers.Count * ContainerBytes);
            if (fitting.Count > 0 && (fitting.Count >= room || bytes + size > MaxPlanBytesPerStep))
            {
                moreWork = true;
                break;
            }
            fitting.Add(plan);
            bytes += size;
        }
        plans = fitting;
        return new ReconcileStep(added, removed, purged, statuses, plans, moreWork) { Replacements = replacements };
    }

    /// <summary>
    /// Unhealthy instances are replaced one per service per step, no sooner than the service's
    /// backoff allows; each replacement is remembered so the next placement avoids that host.
    /// </summary>
    private static Dictionary<string, ReplacementHistory> ReplaceUnhealthy(
        EnvironmentSnapshot snapshot, Dictionary<string, Service> services, List<Instance> moving, DateTimeOffset now)
    {
        var changed = new Dictionary<string, ReplacementHistory>(StringComparer.Ordinal);
        if (snapshot.Unhealthy.Count == 0)
        {
            return changed;
        }
        var instances = snapshot.Instances.ToDictionary(i => i.Id, StringComparer.Ordinal);
        var moved = moving.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var unhealthy in snapshot.Unhealthy.OrderBy(u => u.Since).ThenBy(u => u.InstanceId, StringComparer.Ordinal))
        {
            if (moving.Count >= MaxInstanceChanges)
            {
                break;
            }
            if (!instances.TryGetValue(unhealthy.InstanceId, out var instance) || moved.Contains(instance.Id)
                || instance.HostId != unhealthy.HostId || changed.ContainsKey(instance.ServiceId)
                || !services.TryGetValue(instance.ServiceId, out var service) || service.Deleting)
            {
                continue;
            }
            var history = (snapshot.Replacements.GetValueOrDefault(service.Id) ?? ReplacementHistory.None).At(now);
            if (now < history.NextAllowed)
            {
                continue;
            }
            changed[service.Id] = history.After(instance.HostId, now);
            moving.Add(instance);
        }
        return changed;
    }

    /// <summary>A new instance on <paramref name="host"/>, with the lowest free address of the host's /24 when it has one.</summary>
    private Instance NewInstance(Service service, int slot, HostView host, HostAddresses addresses) =>
        new(ids.NewId('i'), service.Id, slot, host.Id) { Address = addresses.Assign(host.Host) };

    /// <summary>A global service: one instance on every host that passes its hard rules.</summary>
    private ServiceStatus PlaceGlobal(
        Service service, List<Instance> existing, List<HostView> views, List<Instance> added, int removedCount,
        HostAddresses addresses, ref int changes, out int pending)
    {
        pending = 0;
        var slots = existing.Select(i => i.Slot).ToHashSet();
        var covered = existing.Select(i => i.HostId).ToHashSet(StringComparer.Ordinal);
        var rejections = new List<Rejection>();
        var placed = 0;
        var slot = 1;
        foreach (var view in views.Where(v => !covered.Contains(v.Id)))
        {
            if (scheduler.Check(service, view) is { } rejection)
            {
                rejections.Add(rejection);
                continue;
            }
            if (added.Count + removedCount >= MaxInstanceChanges)
            {
                pending++;
                continue;
            }
            while (!slots.Add(slot))
            {
                slot++;
            }
            added.Add(NewInstance(service, slot, view, addresses));
            view.Add(service);
            placed++;
        }
        changes += placed;
        if (existing.Count + placed + pending > 0)
        {
            return ServiceStatus.Placed;
        }
        return new ServiceStatus(1, views.Count == 0
            ? [new Rejection("", Constraints.NoHosts, "the environment has no hosts; register one with a registration token")]
            : rejections);
    }

    /// <summary>
    /// Instances leave silent hosts only while at least half of the environment's hosts are
    /// heard from. When most go quiet at once, the likelier cause is the control plane's own
    /// outage or a network split on its side, and moving everything would only make a stampede
    /// when they come back (the same reasoning as Kubernetes' zone-disruption rule).
    /// </summary>
    private static bool LostHostsMayMove(List<HostView> views)
    {
        var considered = views.Count(v => v.State != HostState.Removed);
        var active = views.Count(v => v.State == HostState.Active);
        return considered > 0 && active * 2 >= considered;
    }

    private ServiceStatus PlaceMissing(
        Service service, List<Instance> existing, List<HostView> views, List<Instance> added, int removedCount,
        IReadOnlySet<string>? avoid, HostAddresses addresses, ref int changes, out int pending)
    {
        var taken = existing.Select(i => i.Slot).ToHashSet();
        var unplaced = 0;
        pending = 0;
        IReadOnlyList<Rejection> reasons = [];
        for (var slot = 1; slot <= service.Scale; slot++)
        {
            if (taken.Contains(slot))
            {
                continue;
            }
            if (added.Count + removedCount >= MaxInstanceChanges)
            {
                // Not attempted in this step: pending for the next one, not refused.
                pending++;
                continue;
            }
            var placement = scheduler.Place(service, views, slot, avoid);
            if (placement.Host is { } host)
            {
                added.Add(NewInstance(service, slot, host, addresses));
                changes++;
            }
            else
            {
                unplaced++;
                reasons = placement.Rejections;
            }
        }
        return unplaced == 0 ? ServiceStatus.Placed : new ServiceStatus(unplaced, reasons);
    }

    private static List<PlanRevision> RevisePlans(
        EnvironmentSnapshot snapshot,
        Dictionary<string, Service> services,
        List<Instance> added,
        List<Instance> removed,
        out int sharedLength)
    {
        var removedIds = removed.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var after = snapshot.Instances.Where(i => !removedIds.Contains(i.Id)).Concat(added)
            .Where(i => services.ContainsKey(i.ServiceId))
            .ToLookup(i => i.HostId, StringComparer.Ordinal);
        var revisions = new List<PlanRevision>();
        var dns = snapshot.Cidr is null ? null : ServiceDiscovery.Records(snapshot.Name ?? snapshot.EnvironmentId, services, after.SelectMany(g => g), snapshot.Observed);
        var peers = snapshot.Cidr is null ? [] : HostPlanBuilder.Peers(snapshot.Hosts);
        var shared = HostPlanBuilder.SharedHash(peers, dns, out sharedLength);
        foreach (var host in snapshot.Hosts.OrderBy(h => h.Id, StringComparer.Ordinal))
        {
            var containers = HostPlanBuilder.Containers(after[host.Id], services);
            var network = HostPlanBuilder.Network(snapshot.EnvironmentId, host, snapshot.Cidr, peers);
            var hostDns = network is null ? null : dns;
            var hash = HostPlanBuilder.ContentHash(containers, network, network is null ? null : shared);
            var stored = snapshot.Plans.GetValueOrDefault(host.Id);
            if (stored is null || stored.ContentHash != hash)
            {
                var version = (stored?.Version ?? 0) + 1;
                revisions.Add(new PlanRevision(new HostPlan(host.Id, version, containers) { Network = network, Dns = hostDns }, hash));
            }
        }
        return revisions;
    }
}
