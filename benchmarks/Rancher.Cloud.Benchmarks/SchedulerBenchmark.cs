using System.Diagnostics;
using System.Globalization;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Hosts;
using Host = Rancher.Cloud.Domain.Hosts.Host;
using Rancher.Cloud.Domain.Scheduling;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Benchmarks;

/// <summary>
/// Placements per second on one core: N instances over M simulated hosts with constraints on
/// (hard and soft host labels, self anti-affinity, reservations, published ports), beside the
/// same placements with only the host-state filter, in the same run.
/// </summary>
public static class SchedulerBenchmark
{
    public static void Run(int instances, int hosts)
    {
        var services = Services(instances);
        // Warm-up: JIT and caches, not measured.
        Measure(Scheduler.Default, Services(2_000), Fleet(hosts));
        var constrained = Measure(Scheduler.Default, services, Fleet(hosts));
        var baseline = Measure(new Scheduler([new HostMustBeActive()]), services, Fleet(hosts));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            {instances:N0} instances over {hosts:N0} hosts, one thread
              constraints on (labels hard+soft, self anti-affinity, reservations, ports): {constrained.Rate:N0} placements/s ({constrained.Placed:N0} placed, {constrained.Refused:N0} refused with reasons)
              baseline, host-state filter only:                                           {baseline.Rate:N0} placements/s
              ratio constrained / baseline: {constrained.Rate / baseline.Rate:0.00}   (aim: 50,000/s or more; Nomad C1M 3,750/s across a cluster)
            """));
    }

    private static (double Rate, int Placed, int Refused) Measure(Scheduler scheduler, List<Service> services, List<HostView> fleet)
    {
        var placed = 0;
        var refused = 0;
        var watch = Stopwatch.StartNew();
        foreach (var service in services)
        {
            for (var slot = 1; slot <= service.Scale; slot++)
            {
                if (scheduler.Place(service, fleet, slot).Placed)
                {
                    placed++;
                }
                else
                {
                    refused++;
                }
            }
        }
        return ((placed + refused) / watch.Elapsed.TotalSeconds, placed, refused);
    }

    private static List<HostView> Fleet(int hosts)
    {
        var registered = DateTimeOffset.UnixEpoch;
        return Enumerable.Range(0, hosts).Select(i =>
        {
            var facts = new HostFacts($"host-{i}", "20.10", 4, 16L << 30, "Debian", "x86_64")
            {
                Labels = new Dictionary<string, string> { ["zone"] = $"z{i % 10}", ["disk"] = i % 4 == 0 ? "ssd" : "hdd" },
            };
            return new HostView(new Host($"h{i:D6}", facts, registered, registered), HostState.Active);
        }).ToList();
    }

    /// <summary>Services of 50 instances; every one has constraints, mixed so all filters and scores work.</summary>
    private static List<Service> Services(int instances)
    {
        var services = new List<Service>();
        for (var i = 0; i * 50 < instances; i++)
        {
            var rules = new SchedulingRules
            {
                HostLabels = [new HostLabelRule("zone", $"z{i % 10}", Equal: false), new HostLabelRule("disk", "ssd", Soft: true)],
                Affinity = i % 3 == 0 ? [new ServiceAffinityRule($"svc{i}", Anti: true)] : [],
                Reservation = new Reservation(100, 128L << 20),
            };
            var ports = i % 5 == 0 ? new List<PortMapping> { new(10000 + i, 80, "tcp") } : [];
            var spec = new ServiceSpec($"svc{i}", "busybox:1", [], new Dictionary<string, string>(), ports) { Scheduling = rules };
            services.Add(new Service($"s{i:D6}", spec, Math.Min(50, instances - (i * 50)), DateTimeOffset.UnixEpoch));
        }
        return services;
    }
}
