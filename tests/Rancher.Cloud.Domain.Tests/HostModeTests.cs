using Rancher.Cloud.Domain.Hosts;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>What deactivating, evacuating and removing a host do to placement.</summary>
public sealed class HostModeTests
{
    private static EnvironmentModel Spread(int scale)
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange([Given.Host("h1"), Given.Host("h2"), Given.Host("h3")]);
        env.Services.Add(Given.Service("s1", scale));
        env.Settle();
        return env;
    }

    private static void SetMode(EnvironmentModel env, string hostId, HostMode mode)
    {
        var i = env.Hosts.FindIndex(h => h.Id == hostId);
        env.Hosts[i] = env.Hosts[i] with { Mode = mode };
    }

    [Fact]
    public void A_deactivated_host_keeps_its_instances_and_takes_no_new_ones()
    {
        var env = Spread(3);
        var kept = env.Instances.Single(i => i.HostId == "h1");
        SetMode(env, "h1", HostMode.Inactive);

        env.SetScale("s1", 6);
        env.Settle();

        Assert.Contains(kept, env.Instances);
        Assert.Single(env.Instances, i => i.HostId == "h1");
        Assert.Equal(6, env.Instances.Count);
    }

    [Theory]
    [InlineData(HostMode.Evacuated)]
    [InlineData(HostMode.Removed)]
    public void Evacuated_and_removed_hosts_lose_their_instances_to_the_others_slot_for_slot(HostMode mode)
    {
        var env = Spread(3);
        var moved = env.Instances.Single(i => i.HostId == "h2");
        SetMode(env, "h2", mode);

        env.Settle();

        Assert.DoesNotContain(env.Instances, i => i.HostId == "h2");
        Assert.Equal([1, 2, 3], env.Instances.Select(i => i.Slot).Order());
        Assert.Contains(env.Instances, i => i.Slot == moved.Slot && i.Id != moved.Id);
        Assert.Empty(env.PlanContents["h2"].Containers);
    }

    [Fact]
    public void Evacuating_many_instances_happens_in_bounded_steps_without_duplicate_slots()
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange([Given.Host("h1"), Given.Host("h2")]);
        env.Services.Add(Given.Service("s1", 100));
        env.Settle();
        SetMode(env, "h1", HostMode.Evacuated);

        while (!env.Step().IsEmpty)
        {
            var slots = env.Instances.Select(i => i.Slot).ToList();
            Assert.Equal(slots.Count, slots.Distinct().Count());
        }

        Assert.Equal(100, env.Instances.Count);
        Assert.All(env.Instances, i => Assert.Equal("h2", i.HostId));
    }

    [Fact]
    public void Inactive_hosts_say_so_when_nothing_can_be_placed()
    {
        var env = new EnvironmentModel();
        env.Hosts.Add(Given.Host("h1") with { Mode = HostMode.Inactive });
        env.Services.Add(Given.Service("s1", 1));

        env.Settle();

        Assert.Equal("host is inactive", Assert.Single(env.Statuses["s1"].Reasons).Reason);
    }
}
