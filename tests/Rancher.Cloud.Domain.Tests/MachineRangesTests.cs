using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Networking;
using Rancher.Cloud.Domain.Scheduling;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>A host's /24 is chosen clear of what its machine uses, and a later collision is named, not found by failing containers.</summary>
public sealed class MachineRangesTests
{
    private static readonly Ipv4Cidr Environment = Ipv4Cidr.Parse("10.42.0.0/16");

    [Fact]
    public void A_new_host_skips_the_slash_24s_its_machine_already_uses()
    {
        // Another tenant's agent on the same machine took 10.42.0.0/24; a LAN route covers 10.42.1.0–10.42.3.255.
        var avoid = MachineRanges.Parse(["10.42.0.0/24", "10.42.0.0/22", "172.17.0.0/16"]);
        Assert.Equal("10.42.4.0/24", EnvironmentNetwork.NextHostSubnet(Environment, [], avoid)!.Value.ToString());
    }

    [Fact]
    public void A_machine_that_uses_the_whole_environment_network_gets_no_subnet() =>
        Assert.Null(EnvironmentNetwork.NextHostSubnet(Environment, [], MachineRanges.Parse(["10.0.0.0/8"])));

    [Fact]
    public void A_range_that_appeared_under_a_hosts_subnet_is_named_and_refuses_new_placements()
    {
        var host = Given.Host("h1") with { Subnet = "10.42.7.0/24" };
        host = host with { Facts = host.Facts with { UsedRanges = ["172.17.0.0/16", "10.42.0.0/20"] } };

        var conflict = MachineRanges.ConflictOf(host.Subnet, host.Facts.UsedRanges);

        Assert.NotNull(conflict);
        Assert.Contains("10.42.7.0/24 overlaps 10.42.0.0/20", conflict, StringComparison.Ordinal);
        var rejection = Scheduler.Default.Check(Given.Service("web", 1), new HostView(host, HostState.Active));
        Assert.Equal(Constraints.Addresses, rejection!.Constraint);
    }

    [Fact]
    public void Ranges_elsewhere_are_no_conflict() =>
        Assert.Null(MachineRanges.ConflictOf("10.42.7.0/24", ["172.17.0.0/16", "192.168.0.0/16", "10.42.8.0/24"]));

    [Fact]
    public void A_new_environments_default_network_avoids_what_the_tenants_machines_use()
    {
        var chosen = EnvironmentNetwork.Check(null, [("prod", Ipv4Cidr.Parse("10.42.0.0/16"))], "cidr", new Errors.FieldErrors(), MachineRanges.Parse(["10.43.0.0/16", "10.44.5.0/24"]));
        Assert.Equal("10.45.0.0/16", chosen!.Value.ToString());
    }

    [Fact]
    public void A_range_covering_everything_is_a_conflict_too() =>
        Assert.NotNull(MachineRanges.ConflictOf("10.42.7.0/24", ["0.0.0.0/0"]));
}
