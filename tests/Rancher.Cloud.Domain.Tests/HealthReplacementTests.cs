using Rancher.Cloud.Domain.Reconcile;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>Unhealthy instances are replaced, with backoff, away from the hosts where they failed.</summary>
public sealed class HealthReplacementTests
{
    private static EnvironmentModel Running(int hosts = 3, int scale = 1)
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange(Enumerable.Range(1, hosts).Select(i => Given.Host($"h{i}")));
        env.Services.Add(Given.Service("s1", scale));
        env.Settle();
        return env;
    }

    private static void FailHealthCheck(EnvironmentModel env, string instanceId)
    {
        var instance = env.Instances.Single(i => i.Id == instanceId);
        env.Unhealthy.Add(new UnhealthyInstance(instance.Id, instance.HostId, env.Now));
    }

    [Fact]
    public void An_unhealthy_instance_is_replaced_on_another_host_in_the_same_slot()
    {
        var env = Running();
        var sick = env.Instances.Single();
        FailHealthCheck(env, sick.Id);

        env.Settle();

        var replacement = env.Instances.Single();
        Assert.NotEqual(sick.Id, replacement.Id);
        Assert.NotEqual(sick.HostId, replacement.HostId);
        Assert.Equal(sick.Slot, replacement.Slot);
        Assert.Equal(1, env.Replacements["s1"].Count);
    }

    [Fact]
    public void Replacements_back_off_and_avoid_every_recently_failing_host()
    {
        var env = Running();
        var failedOn = new List<string>();
        var replacedAt = new List<DateTimeOffset>();
        for (var round = 0; round < 4; round++)
        {
            var sick = env.Instances.Single();
            FailHealthCheck(env, sick.Id);
            // Advance the clock a second at a time until the planner replaces it.
            while (env.Instances.Single().Id == sick.Id)
            {
                env.Settle();
                env.Tick(TimeSpan.FromSeconds(1));
            }
            failedOn.Add(sick.HostId);
            replacedAt.Add(env.Now);
        }

        // 10 s, then 20 s, then 40 s between replacements.
        var gaps = replacedAt.Zip(replacedAt.Skip(1), (a, b) => (int)(b - a).TotalSeconds).ToList();
        Assert.Equal([10, 20, 40], gaps);
        // Three hosts: the first three failures land on three different hosts.
        Assert.Equal(3, failedOn.Take(3).Distinct().Count());
    }

    [Fact]
    public void With_one_host_the_replacement_still_runs_there()
    {
        var env = Running(hosts: 1);
        var sick = env.Instances.Single();
        FailHealthCheck(env, sick.Id);

        env.Settle();

        Assert.Equal("h1", env.Instances.Single().HostId);
        Assert.NotEqual(sick.Id, env.Instances.Single().Id);
    }

    [Fact]
    public void The_history_is_forgotten_after_a_quiet_spell()
    {
        var history = ReplacementHistory.None.After("h1", Given.Now).After("h2", Given.Now);

        Assert.Equal(Given.Now + TimeSpan.FromSeconds(20), history.NextAllowed);
        Assert.Equal(ReplacementHistory.None, history.At(Given.Now + ReplacementHistory.Forgiven));
        Assert.Equal(ReplacementHistory.MaxDelay, Enumerable.Range(0, 12).Aggregate(ReplacementHistory.None, (h, _) => h.After("h1", Given.Now)).NextAllowed - Given.Now);
    }

    [Fact]
    public void Only_one_instance_of_a_service_is_replaced_per_step()
    {
        var env = Running(hosts: 3, scale: 3);
        foreach (var instance in env.Instances.ToList())
        {
            FailHealthCheck(env, instance.Id);
        }

        var step = env.Step();

        Assert.Single(step.Removed);
    }
}
