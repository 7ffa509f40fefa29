using System.Text.Json;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Upgrades;

namespace Rancher.Cloud.Domain.Reconcile;

/// <summary>
/// The phases that change instances' versions: upgrades advance a batch at a time, a slot's
/// replacement takes over from the old instance once it answers, and instances leaving rotation
/// are removed only after their drain time.
/// </summary>
public sealed partial class ReconcilePlanner
{
    /// <summary>How long an instance that no balancer targets stays after leaving DNS: every host's resolver has moved on by then.</summary>
    public static readonly TimeSpan DnsDrain = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Each upgrading service's machine advances on what its instances show. A batch that starts
    /// either places its replacements in the slots' twin rows (start-first), or takes the old
    /// instances out of rotation, after whose drain <see cref="Place"/> fills their slots with the
    /// new version (stop-first).
    /// </summary>
    private void RollUpgrades(Pass pass)
    {
        foreach (var service in InOrder(pass).Where(s => s.Upgrading && !s.Deleting).ToList())
        {
            if (!pass.MayVisit(service.Id))
            {
                return;
            }
            var live = pass.Untouched(service.Id).Where(i => i.RetiringSince is null).ToList();
            var progress = Progress(pass, service, live);
            var advanced = UpgradeMachine.Advance(service.Upgrade!, progress, pass.Now);
            var (changed, refused) = ServiceUpgrades.Follow(service with { Upgrade = advanced.Upgrade }, pass.Now);
            var happened = advanced.Event;
            if (changed is null)
            {
                var failed = advanced.Upgrade with { State = UpgradeState.RollbackFailed, StateSince = pass.Now, BatchStartedAt = null, Reason = refused };
                changed = service with { Upgrade = failed };
                happened = new UpgradeEvent("rollback-failed", $"the rollback to version {failed.From} failed: {refused}");
            }
            if (changed != service)
            {
                if (!pass.Step.TryService(changed, StoredLength(changed)))
                {
                    return;
                }
                pass.Services[service.Id] = changed;
                pass.Visited.Add(service.Id);
                if (happened is not null)
                {
                    pass.Step.UpgradeEvents.Add((service.Id, happened));
                }
            }
            WakeFor(pass, changed.Upgrade!);
            // The batch in flight is asked for again each step until its slots have moved: a
            // replacement that could not start yet (its twin row still draining) starts once it can.
            if (changed.Upgrade is { IsOver: false, State: UpgradeState.Rolling or UpgradeState.RollingBack, BatchStartedAt: not null, RemainingGoal: { } goal }
                && progress.Remaining > goal && changed.Version == changed.Upgrade.Target)
            {
                StartBatch(pass, changed, live, progress.Remaining - goal);
            }
        }
    }

    /// <summary>
    /// What the service's live instances show. A slot with no serving instance (its old one
    /// draining, or not yet placed; for a global service, a host whose old one drains) counts as
    /// one on its way to the target, not yet healthy: a batch is not over until it is filled.
    /// </summary>
    private static UpgradeProgress Progress(Pass pass, Service service, List<Instance> live)
    {
        var target = service.Version;
        var atTarget = live.Where(i => service.VersionOf(i) == target).ToList();
        var covered = atTarget.Select(i => Slots.Logical(i.Slot)).ToHashSet();
        var serving = live.Select(i => Slots.Logical(i.Slot)).ToHashSet();
        // A global service's slots are its hosts: one whose old instance drains and that serves nothing else waits for its new one.
        var draining = pass.Untouched(service.Id).Where(i => i.RetiringSince is not null).Select(i => i.HostId)
            .Except(live.Select(i => i.HostId), StringComparer.Ordinal).Count();
        var desired = service.Spec.Scheduling.Global ? serving.Count + draining : service.Scale;
        var unfilled = service.Spec.Scheduling.Global ? draining : Enumerable.Range(1, desired).Count(slot => !serving.Contains(slot));
        var remaining = serving.Count(slot => !covered.Contains(slot) && (service.Spec.Scheduling.Global || slot <= desired));
        var failed = atTarget.Where(i => Failed(pass, i)).ToList();
        var why = failed.Select(i => pass.Snapshot.Observed.GetValueOrDefault(i.Id)?.Why).FirstOrDefault(w => !string.IsNullOrWhiteSpace(w));
        return new UpgradeProgress(
            desired, atTarget.Count + unfilled, atTarget.Count(i => pass.Answers(service, i)), failed.Count, remaining,
            why is null ? null : why.Trim().Length > 300 ? why.Trim()[..300] + "…" : why.Trim());
    }

    /// <summary>A new-version instance that failed: its check fails, or its container could not be made.</summary>
    private static bool Failed(Pass pass, Instance instance) =>
        pass.Snapshot.Unhealthy.Any(u => u.InstanceId == instance.Id)
        || pass.Snapshot.Observed.GetValueOrDefault(instance.Id) is { State: ContainerStates.Error };

    private void StartBatch(Pass pass, Service service, List<Instance> live, int count)
    {
        var target = service.Version;
        var covered = live.Where(i => service.VersionOf(i) == target).Select(i => Slots.Logical(i.Slot)).ToHashSet();
        var old = live.Where(i => !covered.Contains(Slots.Logical(i.Slot)))
            .GroupBy(i => Slots.Logical(i.Slot)).OrderBy(g => g.Key).Take(count).Select(g => g.First()).ToList();
        var startFirst = ServiceUpgrades.OrderFor(service, service.Upgrade!.Policy) == UpgradeOrder.StartFirst;
        foreach (var instance in old)
        {
            if (!startFirst)
            {
                if (!pass.Step.CanRetire)
                {
                    pass.Step.MoreWork = true;
                    return;
                }
                pass.Step.Retire(instance with { RetiringSince = pass.Now });
                pass.Step.WakeNoLaterThan(pass.Now + DrainOf(pass, service));
                continue;
            }
            if (!pass.Step.CanChangeInstance)
            {
                pass.Step.MoreWork = true;
                return;
            }
            // A replacement that fits nowhere leaves its slot to the old instance; the batch is not done (its remaining goal) and its deadline decides.
            var twin = Slots.TwinOf(instance.Slot);
            if (pass.Staying[service.Id].Any(i => i.Slot == twin))
            {
                continue; // the twin row still holds a leaving instance: the slot waits for its drain
            }
            if (scheduler.Place(service, pass.Views, twin, null).Host is { } host)
            {
                pass.Step.Add(NewInstance(service, twin, host, pass.Addresses));
                host.Add(service);
            }
        }
    }

    /// <summary>
    /// Instances leave: one out of rotation for its drain time is removed; of a slot's two
    /// serving instances, the one not at the service's version leaves rotation once the other
    /// answers (a start-first batch's handover, or an upgrade turned back).
    /// </summary>
    private static void HandOver(Pass pass)
    {
        foreach (var service in InOrder(pass).Where(s => !s.Deleting))
        {
            var staying = pass.Untouched(service.Id);
            if (staying.Count == 0)
            {
                continue;
            }
            var drain = DrainOf(pass, service);
            foreach (var retiring in staying.Where(i => i.RetiringSince is not null))
            {
                var due = retiring.RetiringSince!.Value + drain;
                if (due > pass.Now)
                {
                    pass.Step.WakeNoLaterThan(due);
                    continue;
                }
                if (!pass.Step.CanChangeInstance || !pass.MayVisit(service.Id))
                {
                    pass.Step.MoreWork = true;
                    return;
                }
                pass.Visited.Add(service.Id);
                pass.Step.Remove(retiring);
                if (pass.ViewById.TryGetValue(retiring.HostId, out var view))
                {
                    view.Remove(service);
                }
            }
            var retired = pass.Step.Retired.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var pair in staying.Where(i => i.RetiringSince is null && !retired.Contains(i.Id)).GroupBy(i => Slots.Logical(i.Slot)).Where(g => g.Count() > 1))
            {
                var keep = pair.Where(i => service.VersionOf(i) == service.Version && pass.Answers(service, i)).OrderBy(i => i.Slot).FirstOrDefault();
                if (keep is null)
                {
                    continue;
                }
                foreach (var other in pair.Where(i => i.Id != keep.Id))
                {
                    if (!pass.Step.CanRetire || !pass.MayVisit(service.Id))
                    {
                        pass.Step.MoreWork = true;
                        return;
                    }
                    pass.Visited.Add(service.Id);
                    pass.Step.Retire(other with { RetiringSince = pass.Now });
                    pass.Step.WakeNoLaterThan(pass.Now + drain);
                }
            }
        }
    }

    /// <summary>How long a leaving instance of <paramref name="service"/> may finish what it serves: the longest drain timeout of the balancers that send to it.</summary>
    private static TimeSpan DrainOf(Pass pass, Service service) => DrainOf(pass.Services.Values, service);

    /// <summary>
    /// The longest drain timeout of the balancers that send to <paramref name="service"/>: those
    /// that name it, and those that name a service whose traffic is switched to it (its candidate).
    /// </summary>
    public static TimeSpan DrainOf(IEnumerable<Service> services, Service service)
    {
        var all = services.ToList();
        var names = all.Where(s => !s.Deleting && s.Traffic?.CandidateId == service.Id).Select(s => s.Spec.QualifiedName).Append(service.Spec.QualifiedName).ToHashSet(StringComparer.Ordinal);
        var longest = all
            .Where(s => !s.Deleting && s.Spec.Balancer is { } b && b.Rules.Any(r => names.Contains(s.Spec.Resolve(r.Service))))
            .Select(s => TimeSpan.FromMilliseconds(s.Spec.Balancer!.DrainTimeoutMs))
            .DefaultIfEmpty(TimeSpan.Zero)
            .Max();
        return longest > DnsDrain ? longest : DnsDrain;
    }

    /// <summary>When the upgrade's next wait ends, so the reconciler looks again then rather than on its sweep.</summary>
    private static void WakeFor(Pass pass, Upgrade upgrade)
    {
        var policy = upgrade.Policy;
        DateTimeOffset?[] due = upgrade.State switch
        {
            UpgradeState.Paused => [upgrade.StateSince + policy.PauseLimit],
            UpgradeState.Rolling or UpgradeState.RollingBack =>
            [
                UpgradeMachine.LastProgress(upgrade) + policy.ProgressDeadline,
                upgrade.BatchStartedAt + policy.BatchDeadline,
                upgrade.HealthySince + policy.MinHealthy,
                upgrade.BatchStartedAt is null ? upgrade.SettledAt + policy.Interval : null,
            ],
            _ => [],
        };
        foreach (var at in due.OfType<DateTimeOffset>().Where(at => at > pass.Now))
        {
            pass.Step.WakeNoLaterThan(at);
        }
    }

    /// <summary>About how long the service's row is as stored: its spec, each kept version, its upgrade.</summary>
    private static int StoredLength(Service service) =>
        JsonSerializer.Serialize(service.Spec).Length + service.History.Sum(h => JsonSerializer.Serialize(h.Spec).Length) + 2048;
}
