using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Reconcile;

/// <summary>
/// A step as the planner's phases build it, and what it has spent of its transaction. Each
/// phase asks before it adds: a change the budget cannot hold waits for the next step.
/// </summary>
internal sealed class StepDraft(TransactionBudget budget, int maxInstanceChanges)
{
    private int operations = budget.PerStep;
    private long bytes = budget.RowBytes;

    public List<Instance> Added { get; } = [];

    public List<Instance> Removed { get; } = [];

    /// <summary>The ids of <see cref="Removed"/>, which every phase after the first asks about.</summary>
    public HashSet<string> RemovedIds { get; } = new(StringComparer.Ordinal);

    public List<string> Purged { get; } = [];

    public Dictionary<string, ServiceStatus> Statuses { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ReplacementHistory> Replacements { get; } = new(StringComparer.Ordinal);

    public List<PlanRevision> Plans { get; } = [];

    /// <summary>Services whose upgrade (and with it their spec) moved on, by id.</summary>
    public Dictionary<string, Service> Services { get; } = new(StringComparer.Ordinal);

    /// <summary>Instances taken out of rotation in this step, as they now are.</summary>
    public List<Instance> Retired { get; } = [];

    /// <summary>What upgrades did in this step, for the event stream: by service id.</summary>
    public List<(string ServiceId, Upgrades.UpgradeEvent Event)> UpgradeEvents { get; } = [];

    /// <summary>The earliest moment a waiting change falls due (a drain ends, a batch has been healthy long enough).</summary>
    public DateTimeOffset? WakeAt { get; private set; }

    /// <summary>Something was left for another step.</summary>
    public bool MoreWork { get; set; }

    /// <summary>Whether an instance may still be added or removed: within the step's pace and its transaction.</summary>
    public bool CanChangeInstance =>
        Added.Count + Removed.Count < maxInstanceChanges
        && Fits(Math.Max(budget.PerAdded, budget.PerRemoved), budget.RowBytes);

    /// <summary>Whether an unhealthy instance may still be replaced: removed, and its service's history written.</summary>
    public bool CanReplaceInstance =>
        CanChangeInstance && Fits(budget.PerRemoved + budget.PerReplacement, 2L * budget.RowBytes);

    public void Add(Instance instance) => Spend(Added, instance, budget.PerAdded);

    /// <summary>Whether an instance may still leave rotation: its row rewritten.</summary>
    public bool CanRetire => Added.Count + Removed.Count + Retired.Count < maxInstanceChanges && Fits(budget.PerRetired, budget.RowBytes);

    public void Retire(Instance instance) => Spend(Retired, instance, budget.PerRetired);

    /// <summary>Whether the step already writes this instance's row: a transaction may touch a row once.</summary>
    public bool Touches(string instanceId) => RemovedIds.Contains(instanceId) || Retired.Exists(i => i.Id == instanceId);

    /// <summary>A service row rewritten: its upgrade, and its spec and history when the upgrade turned.</summary>
    public bool TryService(Service service, int contentLength)
    {
        if (!TryTake(budget.PerService, budget.RowBytes + ContentBytes(contentLength)))
        {
            return false;
        }
        Services[service.Id] = service;
        return true;
    }

    public void WakeNoLaterThan(DateTimeOffset at) => WakeAt = WakeAt is { } earlier && earlier <= at ? earlier : at;

    public void Remove(Instance instance)
    {
        Spend(Removed, instance, budget.PerRemoved);
        RemovedIds.Add(instance.Id);
    }

    public bool TryPurge(string serviceId)
    {
        if (!TryTake(budget.PerPurged, budget.RowBytes))
        {
            return false;
        }
        Purged.Add(serviceId);
        return true;
    }

    public bool TryReplace(string serviceId, ReplacementHistory history)
    {
        if (!TryTake(budget.PerReplacement, budget.RowBytes + ContentBytes(80 + history.FailedHosts.Sum(h => h.Length + 3))))
        {
            return false;
        }
        Replacements[serviceId] = history;
        return true;
    }

    public bool TryStatus(string serviceId, ServiceStatus status)
    {
        var length = 64 + status.Reasons.Sum(r => r.HostId.Length + r.Constraint.Length + r.Reason.Length + 48);
        if (!TryTake(budget.PerStatus, budget.RowBytes + ContentBytes(length)))
        {
            return false;
        }
        Statuses[serviceId] = status;
        return true;
    }

    /// <summary>
    /// A plan whose JSON is about <paramref name="length"/> characters. The first plan of a step
    /// always fits: every other change leaves its operation in reserve, and its size is not
    /// weighed, so a step that changes instances tells at least one host, and a large plan is never starved.
    /// </summary>
    public bool TryPlan(PlanRevision plan, long length)
    {
        var size = budget.RowBytes + (length > budget.CompressedAboveChars ? length * budget.BytesPerCompressedChar : ContentBytes(length));
        var first = Plans.Count == 0;
        if (!TryTake(budget.PerPlan, first ? 0 : size, reserve: 0))
        {
            return false;
        }
        if (first)
        {
            bytes += size;
        }
        Plans.Add(plan);
        return true;
    }

    public ReconcileStep ToStep() =>
        new(Added, Removed, Purged, Statuses, Plans, MoreWork)
        {
            Replacements = Replacements,
            Services = Services,
            Retired = Retired,
            UpgradeEvents = UpgradeEvents,
            WakeAt = WakeAt,
        };

    private long ContentBytes(long characters) => characters * budget.BytesPerContentChar;

    /// <summary>Whether a change fits and still leaves the first plan's operation free.</summary>
    private bool Fits(int ops, long size, int? reserve = null) =>
        operations + ops + (reserve ?? (Plans.Count == 0 ? budget.PerPlan : 0)) <= budget.Operations && bytes + size <= budget.Bytes;

    private bool TryTake(int ops, long size, int? reserve = null)
    {
        if (!Fits(ops, size, reserve))
        {
            MoreWork = true;
            return false;
        }
        operations += ops;
        bytes += size;
        return true;
    }

    private void Spend(List<Instance> list, Instance instance, int ops)
    {
        if (!TryTake(ops, budget.RowBytes))
        {
            throw new InvalidOperationException("An instance change was made without asking CanChangeInstance first.");
        }
        list.Add(instance);
    }
}
