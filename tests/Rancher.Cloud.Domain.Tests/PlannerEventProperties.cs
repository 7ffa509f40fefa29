using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Reconcile;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>
/// The planner's invariants after any sequence of events, not only from an empty environment:
/// scaling, a host lost and back, evacuation and activation, instances flapping unhealthy. After
/// each event the environment is settled, and every invariant is checked again.
/// </summary>
public sealed class PlannerEventProperties
{
    /// <summary>One thing that happens to an environment; the numbers pick a service or host by index.</summary>
    public sealed record Event(string Kind, int Target, int Value);

    public sealed record History(int Hosts, (int Scale, int? Port)[] Services, Event[] Events);

    public static Arbitrary<History> Histories() =>
        (from hosts in Gen.Choose(2, 6)
         from services in Gen.ArrayOf(
             from scale in Gen.Choose(0, 8)
             from port in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(8000, 8002).Select(p => (int?)p))
             select (scale, port))
         from events in Gen.ArrayOf(
             from kind in Gen.Elements("scale", "lose", "return", "evacuate", "activate", "unhealthy", "time")
             from target in Gen.Choose(0, 100)
             from value in Gen.Choose(0, 8)
             select new Event(kind, target, value))
         select new History(hosts, services.Take(5).ToArray(), events.Take(12).ToArray())).ToArbitrary();

    [Property(Arbitrary = [typeof(PlannerEventProperties)], MaxTest = 150)]
    public void Invariants_hold_after_every_event(History history)
    {
        var env = PlannerProperties.Build(new PlannerProperties.Shape(history.Hosts, history.Services));
        var silent = new HashSet<string>(StringComparer.Ordinal);
        var done = new List<Event>();
        foreach (var e in history.Events)
        {
            Apply(env, e, silent);
            env.Settle();
            done.Add(e);
            var broken = Broken(env);
            Assert.True(broken is null, $"{broken} after {string.Join(", ", done)}; services {string.Join(", ", history.Services)}; {history.Hosts} hosts");
        }
    }

    private static void Apply(EnvironmentModel env, Event e, HashSet<string> silent)
    {
        var host = env.Hosts[e.Target % env.Hosts.Count];
        var hostIndex = env.Hosts.IndexOf(host);
        switch (e.Kind)
        {
            case "scale" when env.Services.Count > 0:
                env.SetScale(env.Services[e.Target % env.Services.Count].Id, e.Value);
                break;
            case "lose":
                silent.Add(host.Id);
                break;
            case "return":
                silent.Remove(host.Id);
                break;
            case "evacuate":
                env.Hosts[hostIndex] = host with { Mode = HostMode.Evacuated };
                break;
            case "activate":
                env.Hosts[hostIndex] = host with { Mode = HostMode.Active };
                break;
            case "unhealthy" when env.Instances.Count > 0:
                var instance = env.Instances[e.Target % env.Instances.Count];
                env.Unhealthy.RemoveAll(u => u.InstanceId == instance.Id);
                env.Unhealthy.Add(new UnhealthyInstance(instance.Id, instance.HostId, env.Now));
                break;
            case "time":
                break;
        }
        // Time passes on every event; heartbeating hosts are seen now, silent ones are not.
        env.Now += TimeSpan.FromSeconds(20 + (e.Value * 10));
        for (var i = 0; i < env.Hosts.Count; i++)
        {
            if (!silent.Contains(env.Hosts[i].Id))
            {
                env.Hosts[i] = env.Hosts[i] with { LastSeen = env.Now };
            }
        }
    }

    /// <summary>The invariant that does not hold, or null.</summary>
    private static string? Broken(EnvironmentModel env)
    {
        var live = env.Services.Where(s => !s.Deleting).ToList();
        var slotsOnce = live.All(s =>
        {
            var slots = env.Instances.Where(i => i.ServiceId == s.Id).Select(i => i.Slot).ToList();
            var unplaced = env.Statuses.GetValueOrDefault(s.Id)?.Unplaced ?? 0;
            return slots.Distinct().Count() == slots.Count && slots.All(slot => slot >= 1 && slot <= s.Scale) && slots.Count + unplaced == s.Scale;
        });
        var portsOnce = env.Instances
            .SelectMany(i => live.Single(s => s.Id == i.ServiceId).Spec.Ports.Select(p => (i.HostId, p.Published)))
            .GroupBy(p => p).All(g => g.Count() == 1);
        var nothingOnEvacuated = env.Instances.All(i => env.Hosts.Single(h => h.Id == i.HostId).Mode != HostMode.Evacuated);
        var plansMatch = env.Hosts.Where(h => env.PlanContents.ContainsKey(h.Id)).All(h =>
            env.PlanContents[h.Id].Containers.Select(c => c.InstanceId).Order(StringComparer.Ordinal)
                .SequenceEqual(env.Instances.Where(i => i.HostId == h.Id).Select(i => i.Id).Order(StringComparer.Ordinal)));
        // Hosts silent past the timeout lose their instances, unless most hosts went quiet at once
        // (a zone outage or the control plane's own, not host loss): then everything stays.
        var states = env.Hosts.ToDictionary(h => h.Id, h => HostLiveness.StateOf(h, env.Now), StringComparer.Ordinal);
        var considered = states.Values.Count(v => v != HostState.Removed);
        var active = states.Values.Count(v => v == HostState.Active);
        var nothingOnLost = active * 2 < considered || env.Instances.All(i => states[i.HostId] != HostState.Disconnected);
        return !slotsOnce ? "a slot is placed twice, or outside the scale, or neither placed nor reported unplaced"
            : !portsOnce ? "a host publishes a port twice"
            : !nothingOnEvacuated ? "an evacuated host keeps an instance"
            : !plansMatch ? "a plan differs from the instances on its host"
            : !nothingOnLost ? "a lost host keeps an instance while most hosts are heard"
            : null;
    }
}
