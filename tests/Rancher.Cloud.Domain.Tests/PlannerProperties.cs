using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>Invariants that hold for any environment once the planner has settled it.</summary>
public sealed class PlannerProperties
{
    /// <summary>An environment: host count, and per service a scale and maybe a published port.</summary>
    public sealed record Shape(int Hosts, (int Scale, int? Port)[] Services);

    public static Arbitrary<Shape> Shapes() =>
        (from hosts in Gen.Choose(1, 6)
         from services in Gen.ArrayOf(
             from scale in Gen.Choose(0, 12)
             from port in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(8000, 8003).Select(p => (int?)p))
             select (scale, port))
         select new Shape(hosts, services.Take(8).ToArray())).ToArbitrary();

    /// <summary>The environment of <paramref name="shape"/>, settled.</summary>
    internal static EnvironmentModel Build(Shape shape)
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange(Enumerable.Range(1, shape.Hosts).Select(i => Given.Host($"h{i}")));
        for (var i = 0; i < shape.Services.Length; i++)
        {
            var (scale, port) = shape.Services[i];
            env.Services.Add(port is { } p ? Given.Service($"s{i}", scale, p) : Given.Service($"s{i}", scale));
        }
        env.Settle();
        return env;
    }

    [Property(Arbitrary = [typeof(PlannerProperties)], MaxTest = 200)]
    public bool No_host_publishes_a_port_twice(Shape shape)
    {
        var env = Build(shape);
        var ports = env.Instances
            .SelectMany(i => env.Services.Single(s => s.Id == i.ServiceId).Spec.Ports.Select(p => (i.HostId, p.Published)));
        return ports.GroupBy(p => p).All(g => g.Count() == 1);
    }

    [Property(Arbitrary = [typeof(PlannerProperties)], MaxTest = 200)]
    public bool Each_service_has_one_instance_per_slot_within_scale_or_says_why_not(Shape shape)
    {
        var env = Build(shape);
        return env.Services.All(s =>
        {
            var slots = env.Instances.Where(i => i.ServiceId == s.Id).Select(i => i.Slot).ToList();
            var unplaced = env.Statuses.GetValueOrDefault(s.Id)?.Unplaced ?? 0;
            var reasons = env.Statuses.GetValueOrDefault(s.Id)?.Reasons.Count ?? 0;
            return slots.Distinct().Count() == slots.Count
                && slots.All(slot => slot >= 1 && slot <= s.Scale)
                && slots.Count + unplaced == s.Scale
                && (unplaced == 0 || reasons > 0);
        });
    }

    [Property(Arbitrary = [typeof(PlannerProperties)], MaxTest = 200)]
    public bool Every_plan_lists_exactly_the_instances_on_its_host(Shape shape)
    {
        var env = Build(shape);
        return env.Hosts.All(h =>
            env.PlanContents.TryGetValue(h.Id, out var plan)
            && plan.Containers.Select(c => c.InstanceId).Order(StringComparer.Ordinal)
                .SequenceEqual(env.Instances.Where(i => i.HostId == h.Id).Select(i => i.Id).Order(StringComparer.Ordinal)));
    }

    /// <summary>Hosts with small capacities and services with anti-affinity to themselves and reservations.</summary>
    public sealed record ConstrainedShape(int[] HostCpus, (int Scale, bool AntiSelf, int CpuMillis)[] Services);

    public static Arbitrary<ConstrainedShape> ConstrainedShapes() =>
        (from hosts in Gen.ArrayOf(Gen.Choose(1, 4)).Where(h => h.Length is > 0 and <= 30)
         from services in Gen.ArrayOf(
             from scale in Gen.Choose(0, 10)
             from anti in Gen.Elements(true, false)
             from cpu in Gen.Elements(0, 250, 500, 1000)
             select (scale, anti, cpu))
         select new ConstrainedShape(hosts, services.Take(6).ToArray())).ToArbitrary();

    private static EnvironmentModel Build(ConstrainedShape shape)
    {
        var env = new EnvironmentModel();
        for (var i = 0; i < shape.HostCpus.Length; i++)
        {
            env.Hosts.Add(Given.Host($"h{i:D2}") with { Facts = new Contracts.HostFacts($"h{i}", "20.10", shape.HostCpus[i], 8L << 30, "Debian", "x86_64") });
        }
        for (var i = 0; i < shape.Services.Length; i++)
        {
            var (scale, anti, cpu) = shape.Services[i];
            var rules = new Scheduling.SchedulingRules
            {
                Affinity = anti ? [new Scheduling.ServiceAffinityRule($"s{i}", Anti: true)] : [],
                Reservation = new Scheduling.Reservation(cpu, 0),
            };
            env.Services.Add(Given.Service($"s{i}", scale) with { Spec = Given.Spec($"s{i}") with { Scheduling = rules } });
        }
        env.Settle();
        return env;
    }

    [Property(Arbitrary = [typeof(PlannerProperties)], MaxTest = 200)]
    public bool Reservations_stay_within_capacity(ConstrainedShape shape)
    {
        var env = Build(shape);
        return env.Hosts.All(h => env.Instances.Where(i => i.HostId == h.Id)
            .Sum(i => env.Services.Single(s => s.Id == i.ServiceId).Spec.Scheduling.Reservation.CpuMillis) <= h.Facts.Cpus * 1000);
    }

    [Property(Arbitrary = [typeof(PlannerProperties)], MaxTest = 200)]
    public bool Hard_anti_affinity_is_honoured_and_unplaced_instances_say_why(ConstrainedShape shape)
    {
        var env = Build(shape);
        return env.Services.All(s =>
        {
            var onHosts = env.Instances.Where(i => i.ServiceId == s.Id).GroupBy(i => i.HostId);
            var anti = s.Spec.Scheduling.Affinity.Any(a => a.Anti);
            var status = env.Statuses.GetValueOrDefault(s.Id);
            var placed = env.Instances.Count(i => i.ServiceId == s.Id);
            return (!anti || onHosts.All(g => g.Count() == 1))
                && placed + (status?.Unplaced ?? 0) == s.Scale
                && ((status?.Unplaced ?? 0) == 0 || status!.Reasons.Count > 0);
        });
    }

    [Property(Arbitrary = [typeof(PlannerProperties)], MaxTest = 100)]
    public bool Spread_keeps_hosts_within_one_instance_of_each_other_for_portless_services(Shape shape)
    {
        var portless = shape with { Services = shape.Services.Select(s => (s.Scale, (int?)null)).ToArray() };
        var env = Build(portless);
        return env.Services.All(s =>
        {
            var counts = env.Hosts.Select(h => env.Instances.Count(i => i.ServiceId == s.Id && i.HostId == h.Id)).ToList();
            return counts.Max() - counts.Min() <= 1;
        });
    }

    [Property(Arbitrary = [typeof(PlannerProperties)], MaxTest = 200)]
    public bool A_global_service_runs_once_on_every_host_that_can_take_it(Shape shape)
    {
        var env = Build(shape);
        // A global service publishing a port the others may already hold: it goes wherever that port is free.
        var spec = Given.Spec("agent", 8001) with { Scheduling = new Scheduling.SchedulingRules { Global = true } };
        env.Services.Add(new Services.Service("sg", spec, 0, Given.Now));
        env.Settle();
        var onHosts = env.Instances.Where(i => i.ServiceId == "sg").Select(i => i.HostId).ToList();
        var portHolders = env.Instances.Where(i => i.ServiceId != "sg" && env.Services.Single(s => s.Id == i.ServiceId).Spec.Ports.Any(p => p.Published == 8001))
            .Select(i => i.HostId).ToHashSet();
        return onHosts.Distinct().Count() == onHosts.Count
            && env.Hosts.All(h => onHosts.Contains(h.Id) != portHolders.Contains(h.Id));
    }
}
