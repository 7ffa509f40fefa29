using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Scheduling;

namespace Rancher.Cloud.Domain.Tests;

public sealed class ReconcilePlannerTests
{
    private static EnvironmentModel TwoHosts()
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange([Given.Host("h1"), Given.Host("h2")]);
        return env;
    }

    [Fact]
    public void A_new_service_gets_one_instance_per_slot_and_every_host_a_plan()
    {
        var env = TwoHosts();
        env.Services.Add(Given.Service("s1", 3));

        env.Settle();

        Assert.Equal([1, 2, 3], env.Instances.Select(i => i.Slot).Order());
        Assert.Equal(2, env.Instances.Count(i => i.HostId == "h1"));
        Assert.Single(env.Instances, i => i.HostId == "h2");
        Assert.Equal(3, env.PlanContents.Values.Sum(p => p.Containers.Count));
        Assert.All(env.Instances, i => Assert.Contains(env.PlanContents[i.HostId].Containers, c => c.InstanceId == i.Id));
    }

    [Fact]
    public void A_settled_environment_gives_an_empty_step()
    {
        var env = TwoHosts();
        env.Services.Add(Given.Service("s1", 2));
        env.Settle();

        Assert.True(env.Step().IsEmpty);
    }

    [Fact]
    public void Scaling_down_removes_the_highest_slots()
    {
        var env = TwoHosts();
        env.Services.Add(Given.Service("s1", 3));
        env.Settle();
        var keep = env.Instances.Single(i => i.Slot == 1);

        env.SetScale("s1", 1);
        env.Settle();

        Assert.Equal(keep, Assert.Single(env.Instances));
    }

    [Fact]
    public void Plan_versions_grow_only_when_a_hosts_plan_changes()
    {
        var env = TwoHosts();
        env.Services.Add(Given.Service("s1", 1));
        env.Settle();
        var before = env.Plans.ToDictionary();

        env.Services.Add(Given.Service("s2", 1));
        env.Settle();

        var changed = env.Plans.Where(p => p.Value.Version != before[p.Key].Version).Select(p => p.Key).ToList();
        Assert.Equal([env.Instances.Single(i => i.ServiceId == "s2").HostId], changed);
        Assert.Equal(before[changed[0]].Version + 1, env.Plans[changed[0]].Version);
    }

    [Fact]
    public void Deleting_a_service_removes_its_instances_then_purges_it()
    {
        var env = TwoHosts();
        env.Services.Add(Given.Service("s1", 2));
        env.Settle();

        env.Delete("s1");
        env.Settle();

        Assert.Empty(env.Services);
        Assert.Empty(env.Instances);
        Assert.All(env.PlanContents.Values, p => Assert.Empty(p.Containers));
    }

    [Fact]
    public void A_port_clash_leaves_instances_unplaced_with_each_hosts_reason()
    {
        var env = TwoHosts();
        env.Services.Add(Given.Service("s1", "web", 3, 8080));

        env.Settle();

        Assert.Equal(2, env.Instances.Count);
        var status = env.Statuses["s1"];
        Assert.Equal(1, status.Unplaced);
        Assert.Equal(["h1", "h2"], status.Reasons.Select(r => r.HostId));
        Assert.All(status.Reasons, r => Assert.Equal(Constraints.PortsFree, r.Constraint));
    }

    [Fact]
    public void The_unplaced_status_clears_once_a_host_frees_up()
    {
        var env = TwoHosts();
        env.Services.Add(Given.Service("s1", "web", 1, 8080));
        env.Services.Add(Given.Service("s2", "api", 2, 8080));
        env.Settle();
        Assert.Equal(1, env.Statuses["s2"].Unplaced);

        env.Hosts.Add(Given.Host("h3"));
        env.Settle();

        Assert.Equal(0, env.Statuses["s2"].Unplaced);
        Assert.Equal(2, env.Instances.Count(i => i.ServiceId == "s2"));
    }

    [Fact]
    public void A_large_change_is_cut_into_bounded_steps()
    {
        var env = TwoHosts();
        env.Services.Add(Given.Service("s1", 100));

        var first = env.Step();

        Assert.Equal(ReconcilePlanner.MaxInstanceChanges, first.Added.Count);
        Assert.True(first.MoreWork);
        env.Settle();
        Assert.Equal(100, env.Instances.Count);
    }

    [Fact]
    public void Hosts_that_stop_heartbeating_get_no_new_instances()
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange([Given.Host("h1"), Given.Host("h2", silentFor: TimeSpan.FromMinutes(5))]);
        env.Services.Add(Given.Service("s1", 4));

        env.Settle();

        Assert.All(env.Instances, i => Assert.Equal("h1", i.HostId));
    }

    [Fact]
    public void The_same_snapshot_gives_the_same_step()
    {
        var env = TwoHosts();
        env.Services.AddRange([Given.Service("s1", 3, 80), Given.Service("s2", 2)]);
        var snapshot = env.Snapshot();

        var a = Given.Planner(new SequentialIds()).NextStep(snapshot, Given.Now);
        var b = Given.Planner(new SequentialIds()).NextStep(snapshot, Given.Now);

        Assert.Equal(a.Added, b.Added);
        Assert.Equal(a.Plans.Select(p => p.ContentHash), b.Plans.Select(p => p.ContentHash));
    }
}
