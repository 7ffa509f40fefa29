using System.Text.Json;
using Azure;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Hosts;
using Host = Rancher.Cloud.Domain.Hosts.Host;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Scheduling;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// The planner spends the store's <see cref="EnvironmentState.Budget"/>; these check that what
/// the store then writes for a step (<see cref="EnvironmentState.Actions"/>) never exceeds one
/// Table Storage transaction: 100 operations and 4 MiB of payload, over random environments
/// stepped all the way to convergence while hosts leave and services are deleted.
/// </summary>
public sealed class TransactionBudgetTests
{
    private const int MaxOperations = 100;
    private const long MaxPayloadBytes = 4L << 20;

    /// <summary>A changeset's own headers around each entity's JSON, generously.</summary>
    private const int ChangesetBytes = 600;

    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void No_step_exceeds_one_transaction_when_committed()
    {
        var seed = Environment.GetEnvironmentVariable("RANCHER_BUDGET_SEED") is { } given ? int.Parse(given, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        var random = new Random(seed);
        var worstOperations = 0;
        var worstBytes = 0L;
        for (var environment = 0; environment < 40; environment++)
        {
            var world = World.Random(random);
            var planner = new ReconcilePlanner(Scheduler.Default, new CountingIds(), EnvironmentState.Budget);
            for (var steps = 0; steps < 300; steps++)
            {
                if (steps == 3)
                {
                    world.Disrupt(random);
                }
                var loaded = world.Load();
                var step = planner.NextStep(loaded.Snapshot, Now);
                if (step.IsEmpty)
                {
                    break;
                }
                var actions = EnvironmentState.Actions(loaded, step, Now);
                var bytes = actions.Sum(a => JsonSerializer.SerializeToUtf8Bytes<IDictionary<string, object>>((Azure.Data.Tables.TableEntity)a.Entity).LongLength + ChangesetBytes);
                worstOperations = Math.Max(worstOperations, actions.Count);
                worstBytes = Math.Max(worstBytes, bytes);
                Assert.True(actions.Count <= MaxOperations, $"seed {seed}: a step of {actions.Count} operations ({step.Added.Count} added, {step.Removed.Count} removed, {step.PurgedServices.Count} purged, {step.Statuses.Count} statuses, {step.Plans.Count} plans)");
                Assert.True(bytes <= MaxPayloadBytes, $"seed {seed}: a step of {bytes} bytes ({step.Plans.Count} plans)");
                Assert.Equal(actions.Count, actions.Select(a => a.Entity.RowKey).Distinct(StringComparer.Ordinal).Count());
                world.Apply(step);
            }
            Assert.True(planner.NextStep(world.Load().Snapshot, Now).IsEmpty, $"seed {seed}: environment {environment} did not converge in 300 steps");
        }
        Console.WriteLine($"transaction budget: seed {seed}, worst step {worstOperations} operations, {worstBytes:N0} bytes");
    }

    [Fact]
    public void A_plan_longer_than_one_property_is_stored_compressed_and_reads_back_whole()
    {
        var containers = Enumerable.Range(0, 300)
            .Select(i => new PlannedContainer($"i{i}", "s1", "web", "busybox:latest", ["sleep", "3600"], new Dictionary<string, string> { ["V"] = new string('"', 200) }, [], "h"))
            .ToList();
        var plan = new HostPlan("h1", 7, containers);

        var row = StateRows.ToRow("t~e", new PlanRevision(plan, "hash"));

        Assert.True(row.ContainsKey("PlanGz0"));
        Assert.False(row.ContainsKey("Plan0"));
        Assert.Equal(JsonSerializer.Serialize(plan), JsonSerializer.Serialize(StateRows.ToPlan(row)));
    }

    private sealed class CountingIds : IIdGenerator
    {
        private int next;

        public string NewId(char prefix) => $"{prefix}{++next:D6}";
    }

    /// <summary>An environment's rows as the store would hold them, changed by each committed step.</summary>
    private sealed class World
    {
        private readonly List<Host> hosts = [];
        private readonly List<Service> services = [];
        private readonly List<Instance> instances = [];
        private readonly Dictionary<string, StoredPlan> plans = new(StringComparer.Ordinal);
        private readonly Dictionary<string, ServiceStatus> statuses = new(StringComparer.Ordinal);
        private readonly Dictionary<string, ReplacementHistory> replacements = new(StringComparer.Ordinal);
        private readonly HashSet<string> unhealthy = new(StringComparer.Ordinal);
        private readonly HashSet<string> observed = new(StringComparer.Ordinal);

        public static World Random(Random random)
        {
            var world = new World();
            var hostCount = random.Next(1, 80);
            for (var h = 0; h < hostCount; h++)
            {
                var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
                var facts = new HostFacts($"host-{h}", "26.1", 4, 8L << 30, "Debian", "x86_64") { WireGuardPublicKey = key, Endpoint = $"192.0.2.{h % 250}:51820" };
                world.hosts.Add(new Host($"h{h:D3}", facts, Now.AddDays(-1), Now) { Subnet = $"10.42.{h}.0/24" });
            }
            var serviceCount = random.Next(1, 45);
            for (var s = 0; s < serviceCount; s++)
            {
                // Values full of quotes and non-ASCII: JSON inside a JSON string is at its largest.
                var value = string.Concat(Enumerable.Repeat("\"é<>'&", random.Next(0, 100)));
                var draft = new ServiceDraft
                {
                    Name = $"svc{s}",
                    Image = "busybox:latest",
                    Command = ["sleep", "3600"],
                    Environment = Enumerable.Range(0, random.Next(0, 6)).ToDictionary(i => $"VAR_{i}", _ => (string?)value),
                    Scale = random.Next(0, 40),
                    Scheduling = random.Next(6) == 0 ? new SchedulingDraft { Global = true } : null,
                };
                var checkedSpec = ServiceSpec.From(draft);
                Assert.True(checkedSpec.Succeeded, checkedSpec.Failure?.ToString());
                var (spec, scale) = checkedSpec.Value;
                world.services.Add(new Service($"s{s:D3}", spec, scale, Now.AddMinutes(s)));
            }
            // Some instances already placed, some observed, some unhealthy, some statuses with long reasons.
            foreach (var service in world.services.Where(_ => random.Next(3) == 0))
            {
                for (var slot = 1; slot <= Math.Min(service.Scale, 10); slot++)
                {
                    var instance = new Instance($"i-{service.Id}-{slot}", service.Id, slot, world.hosts[random.Next(world.hosts.Count)].Id);
                    world.instances.Add(instance);
                    world.observed.Add(instance.Id);
                    if (random.Next(4) == 0)
                    {
                        world.unhealthy.Add(instance.Id);
                    }
                }
                world.statuses[service.Id] = new ServiceStatus(3, world.hosts.Select(h => new Rejection(h.Id, Constraints.NoHosts, new string('x', 200))).ToList());
            }
            return world;
        }

        /// <summary>Hosts leave and services are deleted at once: the steps that follow remove, move and purge together.</summary>
        public void Disrupt(Random random)
        {
            for (var i = 0; i < hosts.Count; i++)
            {
                if (random.Next(3) == 0)
                {
                    hosts[i] = hosts[i] with { Mode = random.Next(2) == 0 ? HostMode.Removed : HostMode.Evacuated };
                }
            }
            for (var i = 0; i < services.Count; i++)
            {
                if (random.Next(3) == 0)
                {
                    services[i] = services[i] with { Deleting = true };
                }
                else if (random.Next(3) == 0)
                {
                    services[i] = services[i] with { Scale = random.Next(0, 40) };
                }
            }
        }

        public LoadedEnvironment Load()
        {
            const string partition = "t~e";
            var etags = new Dictionary<string, ETag>(StringComparer.Ordinal) { [StateRows.Meta] = new ETag("m") };
            foreach (var instance in instances)
            {
                etags[StateRows.InstanceKey(instance.ServiceId, instance.Slot)] = new ETag("i");
            }
            foreach (var id in observed)
            {
                etags[StateRows.ObservedPrefix + id] = new ETag("o");
            }
            foreach (var service in services)
            {
                etags[StateRows.ServicePrefix + service.Id] = new ETag("s");
            }
            foreach (var id in statuses.Keys)
            {
                etags[StateRows.StatusPrefix + id] = new ETag("st");
            }
            foreach (var id in replacements.Keys)
            {
                etags[StateRows.ReplacementsPrefix + id] = new ETag("r");
            }
            foreach (var id in plans.Keys)
            {
                etags[StateRows.PlanPrefix + id] = new ETag("p");
            }
            var live = instances.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
            var snapshot = new EnvironmentSnapshot(services.ToList(), instances.ToList(), hosts.ToList(), new Dictionary<string, StoredPlan>(plans), new Dictionary<string, ServiceStatus>(statuses))
            {
                Unhealthy = unhealthy.Where(live.Contains).Select(id => new UnhealthyInstance(id, instances.First(i => i.Id == id).HostId, Now.AddMinutes(-5))).ToList(),
                Replacements = new Dictionary<string, ReplacementHistory>(replacements),
                EnvironmentId = "e1",
                Cidr = "10.42.0.0/16",
                Name = "prod",
            };
            return new LoadedEnvironment(partition, new ETag("m"), 1, snapshot, etags, observed.Where(id => !live.Contains(id)).ToList());
        }

        public void Apply(ReconcileStep step)
        {
            var removed = step.Removed.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
            instances.RemoveAll(i => removed.Contains(i.Id));
            observed.RemoveWhere(removed.Contains);
            unhealthy.RemoveWhere(removed.Contains);
            instances.AddRange(step.Added);
            services.RemoveAll(s => step.PurgedServices.Contains(s.Id));
            foreach (var id in step.PurgedServices)
            {
                statuses.Remove(id);
                replacements.Remove(id);
            }
            foreach (var (id, status) in step.Statuses)
            {
                statuses[id] = status;
            }
            foreach (var (id, history) in step.Replacements)
            {
                replacements[id] = history;
            }
            foreach (var plan in step.Plans)
            {
                plans[plan.Plan.HostId] = new StoredPlan(plan.Plan.Version, plan.ContentHash);
            }
            // What the store's orphan clean-up removed is gone too.
            var live = instances.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
            observed.RemoveWhere(id => !live.Contains(id));
        }
    }
}
