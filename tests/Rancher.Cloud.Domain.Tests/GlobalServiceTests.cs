using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Scheduling;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>A global service runs one instance on every host that passes its hard rules.</summary>
public sealed class GlobalServiceTests
{
    private static Services.Service Global(string id, SchedulingRules? rules = null, params int[] ports) =>
        Given.Service(id, 0, ports) is var s ? s with { Spec = s.Spec with { Scheduling = (rules ?? SchedulingRules.None) with { Global = true } } } : s;

    [Fact]
    public void One_instance_per_active_host_and_new_hosts_get_one()
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange([Given.Host("h1"), Given.Host("h2"), Given.Host("h3")]);
        env.Services.Add(Global("s1", ports: 9100));
        env.Settle();
        Assert.Equal(["h1", "h2", "h3"], env.Instances.Select(i => i.HostId).Order());

        env.Hosts.Add(Given.Host("h4"));
        env.Settle();

        Assert.Equal(["h1", "h2", "h3", "h4"], env.Instances.Select(i => i.HostId).Order());
        Assert.Equal(4, env.Instances.Select(i => i.Slot).Distinct().Count());
    }

    [Fact]
    public void Label_rules_choose_the_hosts_and_a_removed_host_loses_its_instance_without_a_copy_elsewhere()
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange([Labelled("h1", "ssd"), Labelled("h2", "hdd"), Labelled("h3", "ssd")]);
        env.Services.Add(Global("s1", new SchedulingRules { HostLabels = [new HostLabelRule("disk", "ssd")] }));
        env.Settle();
        Assert.Equal(["h1", "h3"], env.Instances.Select(i => i.HostId).Order());

        env.Hosts[0] = env.Hosts[0] with { Mode = HostMode.Removed };
        env.Settle();

        Assert.Equal(["h3"], env.Instances.Select(i => i.HostId));
    }

    [Fact]
    public void When_no_host_matches_the_service_says_why_host_by_host()
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange([Labelled("h1", "hdd"), Labelled("h2", "hdd")]);
        env.Services.Add(Global("s1", new SchedulingRules { HostLabels = [new HostLabelRule("disk", "ssd")] }));
        env.Settle();

        Assert.Empty(env.Instances);
        var status = env.Statuses["s1"];
        Assert.Equal(["h1", "h2"], status.Reasons.Select(r => r.HostId));
        Assert.All(status.Reasons, r => Assert.Equal(Constraints.HostLabel, r.Constraint));
    }

    [Fact]
    public void A_global_service_is_removed_from_every_host_when_deleted()
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange([Given.Host("h1"), Given.Host("h2")]);
        env.Services.Add(Global("s1"));
        env.Settle();

        env.Delete("s1");
        env.Settle();

        Assert.Empty(env.Instances);
        Assert.Empty(env.Services);
    }

    private static Host Labelled(string id, string disk)
    {
        var host = Given.Host(id);
        return host with { Facts = host.Facts with { Labels = new Dictionary<string, string> { ["disk"] = disk } } };
    }
}
