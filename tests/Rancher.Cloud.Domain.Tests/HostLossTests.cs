namespace Rancher.Cloud.Domain.Tests;

/// <summary>Instances leave hosts that stop heartbeating, unless most of the environment went quiet at once.</summary>
public sealed class HostLossTests
{
    private static EnvironmentModel Spread()
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange([Given.Host("h1"), Given.Host("h2"), Given.Host("h3")]);
        env.Services.Add(Given.Service("s1", 3));
        env.Settle();
        return env;
    }

    private static void Silence(EnvironmentModel env, params string[] hostIds)
    {
        foreach (var id in hostIds)
        {
            var i = env.Hosts.FindIndex(h => h.Id == id);
            env.Hosts[i] = env.Hosts[i] with { LastSeen = Given.Now - TimeSpan.FromMinutes(2) };
        }
    }

    [Fact]
    public void A_lost_hosts_instances_move_to_the_others_and_leave_its_plan()
    {
        var env = Spread();
        Silence(env, "h3");

        env.Settle();

        Assert.DoesNotContain(env.Instances, i => i.HostId == "h3");
        Assert.Equal([1, 2, 3], env.Instances.Select(i => i.Slot).Order());
        Assert.Empty(env.PlanContents["h3"].Containers); // what it finds when it comes back: remove its stale containers
    }

    [Fact]
    public void A_published_service_moves_to_the_free_host()
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange([Given.Host("h1"), Given.Host("h2"), Given.Host("h3")]);
        env.Services.Add(Given.Service("s1", "web", 2, 8081));
        env.Settle();
        var lost = env.Instances.First().HostId;
        Silence(env, lost);

        env.Settle();

        Assert.Equal(2, env.Instances.Count);
        Assert.DoesNotContain(env.Instances, i => i.HostId == lost);
    }

    [Theory]
    [InlineData("h2", "h3")]
    [InlineData("h1", "h2", "h3")]
    public void When_most_hosts_go_quiet_at_once_nothing_moves(params string[] silent)
    {
        var env = Spread();
        var before = env.Instances.ToList();
        Silence(env, silent);

        env.Settle();

        Assert.Equal(before.OrderBy(i => i.Id), env.Instances.OrderBy(i => i.Id));
    }
}
