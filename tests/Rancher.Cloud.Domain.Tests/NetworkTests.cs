using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Networking;
using Rancher.Cloud.Domain.Scheduling;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>The environment network: CIDRs, a /24 per host, an address per instance.</summary>
public sealed class NetworkTests
{
    [Theory]
    [InlineData("10.42.0.0/16", true)]
    [InlineData("192.168.0.0/24", true)]
    [InlineData("10.42.0.1/16", false)]
    [InlineData("10.42.0.0", false)]
    [InlineData("10.42.0.0/33", false)]
    [InlineData("fd00::/64", false)]
    [InlineData("ten/8", false)]
    [InlineData("010.252.0.0/16", false)]
    [InlineData("0xa.253.0.0/16", false)]
    [InlineData("167772160/16", false)]
    [InlineData(" 10.42.0.0/16", false)]
    [InlineData("10.1.0.0/16\0", false)]
    [InlineData("10.0.0.0/016", false)]
    public void Cidrs_parse_only_as_ipv4_networks(string text, bool valid) =>
        Assert.Equal(valid, Ipv4Cidr.TryParse(text, out _));

    [Fact]
    public void An_environment_network_must_fit_hosts_and_not_overlap_another()
    {
        var errors = new FieldErrors();
        Assert.Null(EnvironmentNetwork.Check("10.0.0.0/25", [], "cidr", errors));
        Assert.Null(EnvironmentNetwork.Check("10.42.128.0/17", [("prod", Ipv4Cidr.Parse("10.42.0.0/16"))], "cidr", errors));
        var reasons = errors.ToDictionary()["cidr"];
        Assert.Contains("between /8 and /24", reasons[0], StringComparison.Ordinal);
        Assert.Contains("overlaps environment 'prod' (10.42.0.0/16)", reasons[1], StringComparison.Ordinal);
        Assert.Equal(Ipv4Cidr.Parse("10.42.0.0/16"), EnvironmentNetwork.Check(null, [("dev", Ipv4Cidr.Parse("10.43.0.0/16"))], "cidr", new FieldErrors()));
        Assert.Equal(Ipv4Cidr.Parse("10.44.0.0/16"), EnvironmentNetwork.Check(null, [("a", Ipv4Cidr.Parse("10.42.0.0/16")), ("b", Ipv4Cidr.Parse("10.43.7.0/24"))], "cidr", new FieldErrors()));
    }

    [Fact]
    public void Hosts_take_the_lowest_free_slash_24_until_none_is_left()
    {
        var env = Ipv4Cidr.Parse("10.42.0.0/23");
        Assert.Equal("10.42.0.0/24", EnvironmentNetwork.NextHostSubnet(env, [])!.Value.ToString());
        Assert.Equal("10.42.1.0/24", EnvironmentNetwork.NextHostSubnet(env, [Ipv4Cidr.Parse("10.42.0.0/24")])!.Value.ToString());
        Assert.Null(EnvironmentNetwork.NextHostSubnet(env, [Ipv4Cidr.Parse("10.42.0.0/24"), Ipv4Cidr.Parse("10.42.1.0/24")]));
    }

    [Fact]
    public void Instances_get_distinct_addresses_from_their_hosts_subnet_that_stay_while_they_live()
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange([Given.Host("h1") with { Subnet = "10.42.0.0/24" }, Given.Host("h2") with { Subnet = "10.42.1.0/24" }]);
        env.Services.Add(Given.Service("s1", 4));
        env.Settle();

        foreach (var instance in env.Instances)
        {
            var subnet = Ipv4Cidr.Parse(env.Hosts.Single(h => h.Id == instance.HostId).Subnet!);
            Assert.True(subnet.Contains(Ipv4Cidr.Parse(instance.Address + "/32").Network));
        }
        Assert.Equal(4, env.Instances.Select(i => i.Address).Distinct().Count());
        Assert.Equal(["10.42.0.2", "10.42.0.3", "10.42.1.2", "10.42.1.3"], env.Instances.Select(i => i.Address!).Order(StringComparer.Ordinal));
        var before = env.Instances.ToDictionary(i => i.Id, i => i.Address);

        env.Services.Add(Given.Service("s2", 2));
        env.Settle();

        Assert.All(before, b => Assert.Equal(b.Value, env.Instances.Single(i => i.Id == b.Key).Address));
        Assert.Equal(6, env.Instances.Select(i => i.Address).Distinct().Count());
        Assert.Contains(env.PlanContents["h1"].Containers, c => c.Address == "10.42.0.2");
        Assert.Equal("10.42.0.1", env.PlanContents["h1"].Network?.Gateway);
    }

    [Fact]
    public void A_removed_instances_address_is_given_again()
    {
        var env = new EnvironmentModel();
        env.Hosts.Add(Given.Host("h1") with { Subnet = "10.42.0.0/24" });
        env.Services.Add(Given.Service("s1", 2));
        env.Settle();
        env.SetScale("s1", 1);
        env.Settle();
        env.SetScale("s1", 2);
        env.Settle();

        Assert.Equal(["10.42.0.2", "10.42.0.3"], env.Instances.Select(i => i.Address!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_full_host_network_refuses_more_instances_and_says_why()
    {
        var env = new EnvironmentModel();
        env.Hosts.Add(Given.Host("h1") with { Subnet = "10.42.0.0/24" });
        env.Services.Add(Given.Service("s1", 254) with { Spec = Given.Spec("s1") });
        env.Settle();

        Assert.Equal(EnvironmentNetwork.InstancesPerHost, env.Instances.Count);
        var status = env.Statuses["s1"];
        Assert.Equal(1, status.Unplaced);
        Assert.Equal(Constraints.Addresses, Assert.Single(status.Reasons).Constraint);
    }
}

/// <summary>Peers in plans: a host joining a large environment reaches every plan, a transaction's worth at a time.</summary>
public sealed class PeerPlanTests
{
    private static Hosts.Host Tunnelled(int i) => Given.Host($"h{i:D3}") with
    {
        Subnet = $"10.42.{i}.0/24",
        Facts = Given.Host($"h{i:D3}").Facts with { WireGuardPublicKey = Convert.ToBase64String(new byte[32]), Endpoint = $"192.0.2.{i % 250 + 1}:51820" },
    };

    [Fact]
    public void A_joining_host_becomes_a_peer_in_every_plan_within_transaction_sized_steps()
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange(Enumerable.Range(1, 150).Select(Tunnelled));
        env.Settle();
        Assert.All(env.PlanContents.Values, p => Assert.Equal(149, p.Network!.Peers.Count));

        env.Hosts.Add(Tunnelled(151));
        var first = env.Step();

        Assert.True(first.MoreWork);
        Assert.True(first.Plans.Count < 100, $"{first.Plans.Count} plans in one step");
        env.Settle();
        Assert.All(env.PlanContents.Values, p => Assert.Equal(150, p.Network!.Peers.Count));
        Assert.DoesNotContain(env.PlanContents["h151"].Network!.Peers, p => p.HostId == "h151");
    }

    [Theory]
    [InlineData("127.0.0.0/16")]
    [InlineData("169.254.0.0/16")]
    [InlineData("224.0.0.0/16")]
    [InlineData("8.8.0.0/16")]
    [InlineData("192.0.2.0/24")]
    public void Environment_networks_lie_in_private_ranges(string cidr)
    {
        var errors = new FieldErrors();
        Assert.Null(EnvironmentNetwork.Check(cidr, [], "cidr", errors));
        Assert.Contains("private range", errors.ToDictionary()["cidr"][0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "10.42.3.2")]
    [InlineData("2,3,4", "10.42.3.5")]
    [InlineData("2,4", "10.42.3.5")] // .3 was just left: not handed out again at once
    [InlineData("254", "10.42.3.2")] // past the top, round to the lowest free
    [InlineData("2,3,254", "10.42.3.4")]
    public void Instance_addresses_go_on_after_the_highest_taken_and_wrap_round(string taken, string next)
    {
        var subnet = Ipv4Cidr.Parse("10.42.3.0/24");
        var set = taken.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(o => subnet.At(int.Parse(o, System.Globalization.CultureInfo.InvariantCulture))).ToHashSet();
        Assert.Equal(next, Ipv4Cidr.Format(EnvironmentNetwork.NextInstanceAddress(subnet, set)!.Value));
    }

    [Fact]
    public void A_full_host_subnet_has_no_instance_address()
    {
        var subnet = Ipv4Cidr.Parse("10.42.3.0/24");
        Assert.Null(EnvironmentNetwork.NextInstanceAddress(subnet, Enumerable.Range(2, 253).Select(subnet.At).ToHashSet()));
    }
}
