using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Networking;
using Rancher.Cloud.Domain.Scheduling;
using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Upgrades;

namespace Rancher.Cloud.Domain.Reconcile;

/// <summary>
/// Computes the next step from desired state (services and their scale) and current
/// placements: which instances to place or remove, and which host plans change. Pure: the
/// same snapshot, time and ids give the same step. A step is built in named phases, each
/// spending from the store's <see cref="TransactionBudget"/>: move off lost hosts, replace
/// unhealthy instances, roll upgrades, hand slots over, shrink, place, revise plans.
/// </summary>
public sealed partial class ReconcilePlanner(Scheduler scheduler, IIdGenerator ids, TransactionBudget budget)
{
    /// <summary>Instance changes per step: a pace that leaves the step room for the plans of the hosts it touches.</summary>
    public const int MaxInstanceChanges = 30;

    /// <summary>Services changed per step, so one step's status writes stay few.</summary>
    public const int MaxServices = 20;

    public ReconcileStep NextStep(EnvironmentSnapshot snapshot, DateTimeOffset now)
    {
        var pass = new Pass(snapshot, now, new StepDraft(budget, MaxInstanceChanges));
        MoveOffLostHosts(pass);
        ReplaceUnhealthy(pass);
        pass.Settle();
        RollUpgrades(pass);
        HandOver(pass);
        Shrink(pass);
        MoveStranded(pass);
        Place(pass);
        RevisePlans(pass);
        return pass.Step.ToStep();
    }

    /// <summary>What the phases of one step share: the snapshot, the hosts as the step changes them, and the step so far.</summary>
    private sealed class Pass(EnvironmentSnapshot snapshot, DateTimeOffset now, StepDraft step)
    {
        public EnvironmentSnapshot Snapshot { get; } = snapshot;

        public DateTimeOffset Now { get; } = now;

        public StepDraft Step { get; } = step;

        public Dictionary<string, Service> Services { get; } = snapshot.Services.ToDictionary(s => s.Id, StringComparer.Ordinal);

        public List<HostView> Views { get; } = ViewsOf(snapshot.Hosts, now);

        /// <summary>The hosts as the scheduler sees them, sharing which hosts (not removed) hold each named volume.</summary>
        private static List<HostView> ViewsOf(IReadOnlyList<Host> hosts, DateTimeOffset now)
        {
            var homes = hosts
                .Where(h => h.Mode != HostMode.Removed)
                .SelectMany(h => h.Volumes.Select(v => (Volume: v, Host: h.Id)))
                .ToLookup(p => p.Volume, p => p.Host, StringComparer.Ordinal);
            return hosts
                .OrderBy(h => h.Id, StringComparer.Ordinal)
                .Select(h => new HostView(h, HostLiveness.StateOf(h, now)) { VolumeHomes = homes })
                .ToList();
        }

        public Dictionary<string, HostView> ViewById => field ??= Views.ToDictionary(v => v.Id, StringComparer.Ordinal);

        /// <summary>Whether an instance may be sent traffic (<see cref="Networking.ServiceDiscovery.Answering"/>).</summary>
        public bool Answers(Service service, Instance instance) =>
            Networking.ServiceDiscovery.Answers(service, instance, Snapshot.Observed.GetValueOrDefault(instance.Id));

        /// <summary>Each service's instances that stay (not moved off their host this step).</summary>
        public ILookup<string, Instance> Staying { get; private set; } = Enumerable.Empty<Instance>().ToLookup(i => i.ServiceId);

        /// <summary>The service's staying instances whose rows this step has not yet written.</summary>
        public List<Instance> Untouched(string serviceId) => Staying[serviceId].Where(i => !Step.Touches(i.Id)).ToList();

        public HostAddresses Addresses { get; private set; } = null!;

        /// <summary>Services this step changed or wrote a status for.</summary>
        public HashSet<string> Visited { get; } = new(StringComparer.Ordinal);

        /// <summary>Once instances that move are known: hosts count what stays on them, and addresses stay taken.</summary>
        public void Settle()
        {
            var staying = Snapshot.Instances.Where(i => !Step.RemovedIds.Contains(i.Id)).ToList();
            foreach (var instance in staying)
            {
                if (ViewById.TryGetValue(instance.HostId, out var view) && Services.TryGetValue(instance.ServiceId, out var owner))
                {
                    view.Add(owner);
                }
            }
            Staying = staying.ToLookup(i => i.ServiceId, StringComparer.Ordinal);
            Addresses = new HostAddresses(staying.ToLookup(i => i.HostId, StringComparer.Ordinal));
        }

        private Dictionary<string, Service> ByName => field ??= Services.Values.Where(s => !s.Deleting)
            .GroupBy(s => s.Spec.QualifiedName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        /// <summary>Why a service on another's network cannot join it wherever it goes (see <see cref="NetworkModes.CannotJoin"/>), or null.</summary>
        public string? JoinProblem(Service service) =>
            NetworkModes.JoinedService(service.Spec) is { } joined && ByName.TryGetValue(joined, out var target)
                ? NetworkModes.CannotJoin(joined, target.Spec)
                : null;

        public bool MayVisit(string serviceId)
        {
            if (Visited.Contains(serviceId) || Visited.Count < MaxServices)
            {
                return true;
            }
            Step.MoreWork = true;
            return false;
        }
    }

    /// <summary>
    /// Instances on a host that is gone, evacuated, removed or lost leave it: removed here, their
    /// slots placed again by <see cref="Place"/>. Bounded like every change; the rest keep their
    /// slots until a later step moves them.
    /// </summary>
    private static void MoveOffLostHosts(Pass pass)
    {
        var lostHostsMove = LostHostsMayMove(pass.Views);
        foreach (var instance in pass.Snapshot.Instances.Where(i => !pass.ViewById.TryGetValue(i.HostId, out var host) || host.Host.Displaces
                     || (lostHostsMove && host.State == HostState.Disconnected)))
        {
            if (!pass.Step.CanChangeInstance)
            {
                pass.Step.MoreWork = true;
                return;
            }
            pass.Step.Remove(instance);
        }
    }

    /// <summary>
    /// Unhealthy instances are replaced one per service per step, no sooner than the service's
    /// backoff allows; each replacement is remembered so the next placement avoids that host.
    /// </summary>
    private static void ReplaceUnhealthy(Pass pass)
    {
        var snapshot = pass.Snapshot;
        if (snapshot.Unhealthy.Count == 0)
        {
            return;
        }
        var instances = snapshot.Instances.ToDictionary(i => i.Id, StringComparer.Ordinal);
        foreach (var unhealthy in snapshot.Unhealthy.OrderBy(u => u.Since).ThenBy(u => u.InstanceId, StringComparer.Ordinal))
        {
            if (!instances.TryGetValue(unhealthy.InstanceId, out var instance) || pass.Step.RemovedIds.Contains(instance.Id)
                || instance.HostId != unhealthy.HostId || pass.Step.Replacements.ContainsKey(instance.ServiceId)
                || !pass.Services.TryGetValue(instance.ServiceId, out var service) || service.Deleting
                || (service.Upgrade is { State: UpgradeState.Rolling or UpgradeState.RollingBack } && service.VersionOf(instance) == service.Version)) // an upgrade judges its own failures: replacing them would hide them
            {
                continue;
            }
            var history = (snapshot.Replacements.GetValueOrDefault(service.Id) ?? ReplacementHistory.None).At(pass.Now);
            if (pass.Now < history.NextAllowed)
            {
                continue;
            }
            if (!pass.Step.CanReplaceInstance || !pass.Step.TryReplace(service.Id, history.After(instance.HostId, pass.Now)))
            {
                pass.Step.MoreWork = true;
                return;
            }
            pass.Step.Remove(instance);
        }
    }

    /// <summary>
    /// Services in the order they were created: the oldest are served first. Services that share
    /// another's network come after the rest, so they can join an instance placed in the same step.
    /// </summary>
    private static IEnumerable<Service> InOrder(Pass pass) =>
        pass.Services.Values.OrderBy(s => NetworkModes.JoinedService(s.Spec) is null ? 0 : 1)
            .ThenBy(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal);

    /// <summary>
    /// An instance on another service's network whose host no longer runs that service (scaled
    /// down, moved, replaced), or whose service has no network to join, has nothing to join: it
    /// leaves, and <see cref="Place"/> puts its slot beside an instance of that service again, or
    /// says why it cannot.
    /// </summary>
    private static void MoveStranded(Pass pass)
    {
        foreach (var service in InOrder(pass).Where(s => !s.Deleting && NetworkModes.JoinedService(s.Spec) is not null))
        {
            var joined = NetworkModes.JoinedService(service.Spec)!;
            foreach (var instance in pass.Untouched(service.Id))
            {
                if (!pass.ViewById.TryGetValue(instance.HostId, out var view) || (view.CountOfName(joined) > 0 && pass.JoinProblem(service) is null))
                {
                    continue;
                }
                if (!pass.Step.CanChangeInstance || !pass.MayVisit(service.Id))
                {
                    pass.Step.MoreWork = true;
                    return;
                }
                pass.Visited.Add(service.Id);
                pass.Step.Remove(instance);
                view.Remove(service);
            }
        }
    }

    /// <summary>
    /// Instances beyond a service's scale go, highest slots first; a global service keeps one per
    /// host; a deleted service loses all of them, and its last rows once none is left.
    /// </summary>
    private static void Shrink(Pass pass)
    {
        foreach (var service in InOrder(pass))
        {
            var surplus = Surplus(service, pass.Untouched(service.Id));
            if (surplus.Count == 0 && !service.Deleting)
            {
                continue;
            }
            if (!pass.MayVisit(service.Id))
            {
                return;
            }
            pass.Visited.Add(service.Id);
            foreach (var instance in surplus)
            {
                if (!pass.Step.CanChangeInstance)
                {
                    pass.Step.MoreWork = true;
                    return;
                }
                pass.Step.Remove(instance);
                if (pass.ViewById.TryGetValue(instance.HostId, out var view))
                {
                    view.Remove(service);
                }
            }
            // Here every instance of a deleted service is gone: moved off lost hosts, or removed just now.
            if (service.Deleting)
            {
                pass.Step.TryPurge(service.Id);
            }
        }
    }

    private static List<Instance> Surplus(Service service, List<Instance> staying)
    {
        if (service.Deleting)
        {
            return staying.OrderByDescending(i => i.Slot).ToList();
        }
        if (service.Spec.Scheduling.Global)
        {
            // One per host: a second instance on a host (two reconcilers racing on old data) goes.
            return staying.GroupBy(i => i.HostId, StringComparer.Ordinal).SelectMany(g => g.OrderBy(i => i.Slot).Skip(1)).ToList();
        }
        return staying.Where(i => Slots.Logical(i.Slot) > service.Scale).OrderByDescending(i => i.Slot).ToList();
    }

    /// <summary>Each service's missing instances are placed, and its placement status written when it changed.</summary>
    private void Place(Pass pass)
    {
        foreach (var service in InOrder(pass).Where(s => !s.Deleting))
        {
            // A step with no instance change left stops here: a status judged on slots it could not try would be wrong.
            if (!pass.Step.CanChangeInstance || !pass.MayVisit(service.Id))
            {
                pass.Step.MoreWork = true;
                return;
            }
            var existing = pass.Staying[service.Id].Where(i => !pass.Step.RemovedIds.Contains(i.Id)).ToList();
            var avoid = (pass.Step.Replacements.GetValueOrDefault(service.Id) ?? pass.Snapshot.Replacements.GetValueOrDefault(service.Id))?.At(pass.Now).FailedHosts
                .ToHashSet(StringComparer.Ordinal);
            var before = pass.Step.Added.Count;
            var status = pass.JoinProblem(service) is { } problem ? Unjoinable(service, existing, problem)
                : service.Spec.Scheduling.Global ? PlaceGlobal(service, existing, pass)
                : PlaceMissing(service, existing, avoid, pass);
            var stored = pass.Snapshot.Statuses.GetValueOrDefault(service.Id) ?? ServiceStatus.Placed;
            var statusChanged = !status.SameAs(stored);
            if (statusChanged)
            {
                pass.Step.TryStatus(service.Id, status);
            }
            if (pass.Step.Added.Count > before || statusChanged)
            {
                pass.Visited.Add(service.Id);
            }
        }
    }

    /// <summary>Nothing of a service whose network cannot be joined is placed: the reason, on no host in particular.</summary>
    private static ServiceStatus Unjoinable(Service service, List<Instance> existing, string problem)
    {
        var missing = service.Spec.Scheduling.Global ? 1 : service.Scale - existing.Count;
        return missing <= 0 ? ServiceStatus.Placed : new ServiceStatus(missing, [new Rejection("", Constraints.SharedNetwork, problem)]);
    }

    /// <summary>A new instance on <paramref name="host"/>, with the lowest free address of the host's /24 when it has one.</summary>
    /// <remarks>A container on the host's network stack or on none takes no address of the environment network.</remarks>
    private Instance NewInstance(Service service, int slot, HostView host, HostAddresses addresses) =>
        new(ids.NewId('i'), service.Id, slot, host.Id)
        {
            Address = service.Spec.Run?.NetworkMode is null ? addresses.Assign(host.Host) : null,
            Version = service.Version,
        };

    /// <summary>A global service: one instance on every host that passes its hard rules.</summary>
    private ServiceStatus PlaceGlobal(Service service, List<Instance> existing, Pass pass)
    {
        var pending = 0;
        var slots = existing.Select(i => Slots.Logical(i.Slot)).ToHashSet();
        var covered = existing.Select(i => i.HostId).ToHashSet(StringComparer.Ordinal);
        var rejections = new List<Rejection>();
        var placed = 0;
        var slot = 1;
        foreach (var view in pass.Views.Where(v => !covered.Contains(v.Id)))
        {
            if (scheduler.Check(service, view) is { } rejection)
            {
                rejections.Add(rejection);
                continue;
            }
            if (!pass.Step.CanChangeInstance)
            {
                pending++;
                pass.Step.MoreWork = true;
                continue;
            }
            while (!slots.Add(slot))
            {
                slot++;
            }
            pass.Step.Add(NewInstance(service, slot, view, pass.Addresses));
            view.Add(service);
            placed++;
        }
        if (existing.Count + placed + pending > 0)
        {
            return ServiceStatus.Placed;
        }
        return new ServiceStatus(1, pass.Views.Count == 0
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

    private ServiceStatus PlaceMissing(Service service, List<Instance> existing, IReadOnlySet<string>? avoid, Pass pass)
    {
        var taken = existing.Select(i => Slots.Logical(i.Slot)).ToHashSet();
        var unplaced = 0;
        IReadOnlyList<Rejection> reasons = [];
        for (var slot = 1; slot <= service.Scale; slot++)
        {
            if (taken.Contains(slot))
            {
                continue;
            }
            if (!pass.Step.CanChangeInstance)
            {
                // Not attempted in this step: pending for the next one, not refused.
                pass.Step.MoreWork = true;
                continue;
            }
            var placement = scheduler.Place(service, pass.Views, slot, avoid);
            if (placement.Host is { } host)
            {
                pass.Step.Add(NewInstance(service, slot, host, pass.Addresses));
            }
            else
            {
                unplaced++;
                reasons = placement.Rejections;
            }
        }
        return unplaced == 0 ? ServiceStatus.Placed : new ServiceStatus(unplaced, reasons);
    }

    /// <summary>
    /// Every host whose plan content changed gets a new version. A host joining changes every
    /// other host's peers: the plans that fit this step's transaction go now (those whose
    /// containers changed first), the rest in the next.
    /// </summary>
    private static void RevisePlans(Pass pass)
    {
        var snapshot = pass.Snapshot;
        var step = pass.Step;
        var retired = step.Retired.ToDictionary(i => i.Id, StringComparer.Ordinal);
        var after = snapshot.Instances.Where(i => !step.RemovedIds.Contains(i.Id)).Select(i => retired.GetValueOrDefault(i.Id) ?? i).Concat(step.Added)
            .Where(i => pass.Services.ContainsKey(i.ServiceId))
            .ToLookup(i => i.HostId, StringComparer.Ordinal);
        // Who may be sent traffic: DNS answers with them and balancers send to them.
        var answering = ServiceDiscovery.Answering(pass.Services, after.SelectMany(g => g), snapshot.Observed);
        var dns = snapshot.Cidr is null ? null : ServiceDiscovery.Records(snapshot.Name ?? snapshot.EnvironmentId, pass.Services, answering);
        var peers = snapshot.Cidr is null ? [] : HostPlanBuilder.Peers(snapshot.Hosts);
        var shared = HostPlanBuilder.SharedHash(peers, dns, out var sharedLength);
        var placed = after.SelectMany(g => g).Select(i => i.ServiceId).ToHashSet(StringComparer.Ordinal);
        var balancers = HostPlanBuilder.Balancers(pass.Services, answering, placed, snapshot.Certificates, snapshot.AcmeChallenges);
        var touched = step.Added.Concat(step.Removed).Concat(step.Retired).Select(i => i.HostId).ToHashSet(StringComparer.Ordinal);
        foreach (var host in snapshot.Hosts.OrderBy(h => touched.Contains(h.Id) ? 0 : 1).ThenBy(h => h.Id, StringComparer.Ordinal))
        {
            var containers = HostPlanBuilder.Containers(after[host.Id], pass.Services, balancers, snapshot.BalancerImage);
            var network = HostPlanBuilder.Network(snapshot.EnvironmentId, host, snapshot.Cidr, peers);
            var hash = HostPlanBuilder.ContentHash(containers, network, network is null ? null : shared, out var ownLength);
            var stored = snapshot.Plans.GetValueOrDefault(host.Id);
            if (stored is not null && stored.ContentHash == hash)
            {
                continue;
            }
            var plan = new HostPlan(host.Id, (stored?.Version ?? 0) + 1, containers) { Network = network, Dns = network is null ? null : dns };
            // Measured as hashed, not serialized again: the host's own part, and the shared peers and names it carries.
            if (!step.TryPlan(new PlanRevision(plan, hash), ownLength + (network is null ? 0 : sharedLength)))
            {
                return;
            }
        }
    }
}
