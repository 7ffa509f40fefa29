using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Scheduling;

namespace Rancher.Cloud.Domain.Tests;

public sealed class SchedulerTests
{
    private static List<HostView> Views(params Host[] hosts) =>
        hosts.Select(h => new HostView(h, HostLiveness.StateOf(h, Given.Now))).ToList();

    [Fact]
    public void Instances_of_a_service_spread_over_hosts()
    {
        var hosts = Views(Given.Host("h1"), Given.Host("h2"), Given.Host("h3"));
        var web = Given.Service("s1", 3);

        var placed = Enumerable.Range(0, 3).Select(_ => Scheduler.Default.Place(web, hosts).Host!.Id).ToList();

        Assert.Equal(["h1", "h2", "h3"], placed);
    }

    [Fact]
    public void The_least_loaded_host_wins_when_the_service_is_even()
    {
        var hosts = Views(Given.Host("h1"), Given.Host("h2"));
        hosts[0].Add(Given.Service("other", 1));

        Assert.Equal("h2", Scheduler.Default.Place(Given.Service("s1", 1), hosts).Host!.Id);
    }

    [Fact]
    public void Ties_are_broken_by_host_id_whatever_the_input_order()
    {
        var forward = Views(Given.Host("a"), Given.Host("b"));
        var backward = Views(Given.Host("b"), Given.Host("a"));

        Assert.Equal("a", Scheduler.Default.Place(Given.Service("s1", 1), forward).Host!.Id);
        Assert.Equal("a", Scheduler.Default.Place(Given.Service("s1", 1), backward).Host!.Id);
    }

    [Fact]
    public void A_disconnected_host_takes_nothing_and_says_why()
    {
        var hosts = Views(Given.Host("h1", silentFor: TimeSpan.FromMinutes(2)));

        var placement = Scheduler.Default.Place(Given.Service("s1", 1), hosts);

        Assert.False(placement.Placed);
        var rejection = Assert.Single(placement.Rejections);
        Assert.Equal(new Rejection("h1", Constraints.HostActive, "host is disconnected"), rejection);
    }

    [Fact]
    public void A_host_just_inside_the_heartbeat_window_is_active() =>
        Assert.Equal(HostState.Active, HostLiveness.StateOf(Given.Host("h1", silentFor: HostLiveness.Timeout), Given.Now));

    [Fact]
    public void A_published_port_is_taken_by_one_service_per_host()
    {
        var hosts = Views(Given.Host("h1"), Given.Host("h2"));
        hosts[0].Add(Given.Service("s1", "web", 1, 8080));

        var placement = Scheduler.Default.Place(Given.Service("s2", "api", 1, 8080), hosts);

        Assert.Equal("h2", placement.Host!.Id);
    }

    [Fact]
    public void A_port_clash_on_every_host_names_the_publishing_service()
    {
        var hosts = Views(Given.Host("h1"));
        hosts[0].Add(Given.Service("s1", "web", 1, 8080));

        var placement = Scheduler.Default.Place(Given.Service("s2", "api", 1, 8080), hosts);

        var rejection = Assert.Single(placement.Rejections);
        Assert.Equal(Constraints.PortsFree, rejection.Constraint);
        Assert.Equal("port 8080/tcp is already published on this host by service 'web'", rejection.Reason);
    }

    [Fact]
    public void Removing_an_instance_frees_its_port()
    {
        var hosts = Views(Given.Host("h1"));
        var web = Given.Service("s1", "web", 1, 8080);
        hosts[0].Add(web);
        hosts[0].Remove(web);

        Assert.True(Scheduler.Default.Place(Given.Service("s2", "api", 1, 8080), hosts).Placed);
    }

    [Fact]
    public void No_hosts_at_all_is_explained()
    {
        var placement = Scheduler.Default.Place(Given.Service("s1", 1), []);

        Assert.Equal(Constraints.NoHosts, Assert.Single(placement.Rejections).Constraint);
    }
}
