using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Scheduling;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Tests;

public sealed class ConstraintTests
{
    private static Host Labelled(string id, string zone, int cpus = 2, long memory = 4L << 30) =>
        Given.Host(id) with { Facts = new HostFacts(id, "20.10", cpus, memory, "Debian", "x86_64") { Labels = new Dictionary<string, string> { ["zone"] = zone } } };

    private static Service With(string id, string name, int scale, SchedulingRules rules) =>
        Given.Service(id, name, scale) with { Spec = Given.Spec(name) with { Scheduling = rules } };

    private static List<HostView> Views(params Host[] hosts) => hosts.Select(h => new HostView(h, HostState.Active)).ToList();

    [Fact]
    public void A_hard_label_rule_keeps_instances_to_matching_hosts_and_says_why_others_are_refused()
    {
        var hosts = Views(Labelled("h1", "east"), Labelled("h2", "west"));
        var web = With("s1", "web", 1, new SchedulingRules { HostLabels = [new HostLabelRule("zone", "west")] });

        Assert.Equal("h2", Scheduler.Default.Place(web, hosts).Host!.Id);
        Assert.Equal("h2", Scheduler.Default.Place(web, hosts).Host!.Id);

        var east = Views(Labelled("h1", "east"));
        var refused = Assert.Single(Scheduler.Default.Place(web, east).Rejections);
        Assert.Equal(new Rejection("h1", Constraints.HostLabel, "requires host label zone=west (host has zone=east)"), refused);
    }

    [Fact]
    public void A_not_equal_rule_excludes_matching_hosts()
    {
        var hosts = Views(Labelled("h1", "east"), Labelled("h2", "west"));
        var web = With("s1", "web", 1, new SchedulingRules { HostLabels = [new HostLabelRule("zone", "east", Equal: false)] });

        Assert.Equal("h2", Scheduler.Default.Place(web, hosts).Host!.Id);
    }

    [Fact]
    public void A_soft_label_rule_prefers_but_does_not_require()
    {
        var hosts = Views(Labelled("h1", "east"), Labelled("h2", "west"));
        var web = With("s1", "web", 3, new SchedulingRules { HostLabels = [new HostLabelRule("zone", "west", Soft: true)] });

        var placed = Enumerable.Range(1, 3).Select(slot => Scheduler.Default.Place(web, hosts, slot).Host!.Id).ToList();

        Assert.Equal(["h2", "h2", "h2"], placed);
        Assert.Equal("h1", Scheduler.Default.Place(web, Views(Labelled("h1", "east"))).Host!.Id);
    }

    [Fact]
    public void Hard_anti_affinity_to_itself_means_one_per_host()
    {
        var hosts = Views(Labelled("h1", "a"), Labelled("h2", "a"));
        var db = With("s1", "db", 3, new SchedulingRules { Affinity = [new ServiceAffinityRule("db", Anti: true)] });

        Assert.True(Scheduler.Default.Place(db, hosts).Placed);
        Assert.True(Scheduler.Default.Place(db, hosts).Placed);
        var third = Scheduler.Default.Place(db, hosts);

        Assert.False(third.Placed);
        Assert.All(third.Rejections, r => Assert.Equal("runs an instance of 'db' (anti-affinity)", r.Reason));
    }

    [Fact]
    public void Hard_affinity_follows_the_other_service()
    {
        var hosts = Views(Labelled("h1", "a"), Labelled("h2", "a"));
        var cache = Given.Service("s1", "cache", 1);
        hosts[1].Add(cache);
        var app = With("s2", "app", 2, new SchedulingRules { Affinity = [new ServiceAffinityRule("cache")] });

        Assert.Equal("h2", Scheduler.Default.Place(app, hosts, 1).Host!.Id);
        Assert.Equal("h2", Scheduler.Default.Place(app, hosts, 2).Host!.Id);
    }

    [Fact]
    public void Reservations_must_fit_what_is_left_of_the_host()
    {
        var hosts = Views(Labelled("h1", "a", cpus: 1, memory: 1L << 30));
        var big = With("s1", "big", 3, new SchedulingRules { Reservation = new Reservation(400, 256L << 20) });

        Assert.True(Scheduler.Default.Place(big, hosts).Placed);
        Assert.True(Scheduler.Default.Place(big, hosts).Placed);
        var third = Scheduler.Default.Place(big, hosts);

        Assert.Equal("needs 400m CPU, 200m free", Assert.Single(third.Rejections).Reason);
    }

    [Fact]
    public void A_large_fleet_is_sampled_but_still_placed_feasibly_and_deterministically()
    {
        var hosts = Enumerable.Range(0, 200).Select(i => Labelled($"h{i:D3}", i % 10 == 0 ? "gpu" : "cpu")).ToArray();
        var gpu = With("s1", "train", 20, new SchedulingRules { HostLabels = [new HostLabelRule("zone", "gpu")] });

        var first = Enumerable.Range(1, 20).Select(slot => Scheduler.Default.Place(gpu, Views(hosts), slot).Host!.Id).ToList();
        var again = Enumerable.Range(1, 20).Select(slot => Scheduler.Default.Place(gpu, Views(hosts), slot).Host!.Id).ToList();

        Assert.Equal(first, again);
        Assert.All(first, id => Assert.Equal(0, int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture) % 10));
    }
}
