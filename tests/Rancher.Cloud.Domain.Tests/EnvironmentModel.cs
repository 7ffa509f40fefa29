using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>
/// An environment's state held in memory, applying steps the way the table store does, so
/// tests can run the planner to a fixed point.
/// </summary>
internal sealed class EnvironmentModel
{
    private readonly ReconcilePlanner planner = Given.Planner(new SequentialIds());

    public List<Service> Services { get; } = [];
    public List<Instance> Instances { get; } = [];
    public List<Host> Hosts { get; } = [];
    public Dictionary<string, StoredPlan> Plans { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Contracts.HostPlan> PlanContents { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ServiceStatus> Statuses { get; } = new(StringComparer.Ordinal);
    public List<UnhealthyInstance> Unhealthy { get; } = [];
    public Dictionary<string, ReplacementHistory> Replacements { get; } = new(StringComparer.Ordinal);
    public DateTimeOffset Now { get; set; } = Given.Now;
    public Dictionary<string, Networking.ObservedState> Observed { get; } = new(StringComparer.Ordinal);
    public string? Cidr { get; set; } = "10.42.0.0/16";

    public EnvironmentSnapshot Snapshot() => new(Services.ToList(), Instances.ToList(), Hosts.ToList(), Plans.ToDictionary(), Statuses.ToDictionary())
    {
        Unhealthy = Unhealthy.ToList(),
        Replacements = Replacements.ToDictionary(),
        EnvironmentId = "e1",
        Cidr = Cidr,
        Observed = Observed.ToDictionary(),
    };

    public ReconcileStep Step()
    {
        var step = planner.NextStep(Snapshot(), Now);
        Apply(step);
        return step;
    }

    /// <summary>Steps until nothing changes; returns how many steps did something.</summary>
    public int Settle(int limit = 1000)
    {
        for (var steps = 0; steps < limit; steps++)
        {
            if (Step().IsEmpty)
            {
                return steps;
            }
        }
        throw new InvalidOperationException($"not settled after {limit} steps");
    }

    /// <summary>Time passes; every host that is not silenced heartbeats.</summary>
    public void Tick(TimeSpan by)
    {
        Now += by;
        for (var i = 0; i < Hosts.Count; i++)
        {
            Hosts[i] = Hosts[i] with { LastSeen = Now };
        }
    }

    public Service Service(string serviceId) => Services.Single(s => s.Id == serviceId);

    /// <summary>Stores a service as the API would after a change.</summary>
    public void Store(Service service) => Replace(service.Id, _ => service);

    public void SetScale(string serviceId, int scale) => Replace(serviceId, s => s with { Scale = scale });

    public void Delete(string serviceId) => Replace(serviceId, s => s with { Deleting = true });

    private void Replace(string serviceId, Func<Service, Service> change)
    {
        var i = Services.FindIndex(s => s.Id == serviceId);
        Services[i] = change(Services[i]);
    }

    private void Apply(ReconcileStep step)
    {
        CheckRows(step);
        var removed = step.Removed.Select(r => r.Id).ToHashSet();
        Instances.RemoveAll(i => removed.Contains(i.Id));
        Unhealthy.RemoveAll(u => removed.Contains(u.InstanceId));
        foreach (var (id, history) in step.Replacements)
        {
            Replacements[id] = history;
        }
        foreach (var retired in step.Retired.Where(r => !removed.Contains(r.Id)))
        {
            Instances[Instances.FindIndex(i => i.Id == retired.Id)] = retired;
        }
        Instances.AddRange(step.Added);
        foreach (var changed in step.Services.Values)
        {
            Replace(changed.Id, _ => changed);
        }
        Services.RemoveAll(s => step.PurgedServices.Contains(s.Id));
        foreach (var (id, status) in step.Statuses)
        {
            Statuses[id] = status;
        }
        foreach (var revision in step.Plans)
        {
            Plans[revision.Plan.HostId] = new StoredPlan(revision.Plan.Version, revision.ContentHash);
            PlanContents[revision.Plan.HostId] = revision.Plan;
        }
    }

    /// <summary>
    /// What the table's transaction would refuse (the adapter writes a slot removed and added as
    /// one replaced row, and a retired row also removed only as removed): a row removed, added or
    /// retired twice, a row added that is there and stays, one removed or retired that is not there.
    /// </summary>
    private void CheckRows(ReconcileStep step)
    {
        static (string, int) Key(Instance i) => (i.ServiceId, i.Slot);
        foreach (var (what, list) in new[] { ("removes", step.Removed), ("adds", step.Added), ("retires", step.Retired) })
        {
            var twice = list.GroupBy(Key).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(twice.Count == 0, $"a step {what} one instance row twice: {string.Join(", ", twice)}");
        }
        var stored = Instances.Select(Key).ToHashSet();
        var removed = step.Removed.Select(Key).ToHashSet();
        Assert.All(step.Added, i => Assert.True(!stored.Contains(Key(i)) || removed.Contains(Key(i)), $"a step adds {Key(i)}, which is there and stays"));
        Assert.All(step.Removed.Concat(step.Retired), i => Assert.Contains(Key(i), stored));
    }
}
