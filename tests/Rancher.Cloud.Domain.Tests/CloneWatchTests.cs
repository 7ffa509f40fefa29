using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Hosts;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>A clone is two machines heartbeating with one credential at once; nothing else is.</summary>
public sealed class CloneWatchTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static HostFacts Beat(string? incarnation, string boot = "boot-1") =>
        new("node-1", "28.2.2", 2, 1L << 30, "Debian", "x86_64") { Incarnation = incarnation, BootId = boot };

    private static (CloneWatch Watch, List<CloneVerdict> Verdicts) Run(params string?[] incarnations)
    {
        var watch = CloneWatch.None;
        var verdicts = new List<CloneVerdict>();
        for (var i = 0; i < incarnations.Length; i++)
        {
            (watch, var verdict) = watch.Observe(Beat(incarnations[i]), T0.AddSeconds(15 * i));
            verdicts.Add(verdict);
        }
        return (watch, verdicts);
    }

    [Fact]
    public void Restarts_bring_new_incarnations_and_are_never_a_clone()
    {
        var (watch, verdicts) = Run("a", "a", "b", "b", "c", "d", "d", "e");
        Assert.All(verdicts, v => Assert.Equal(CloneVerdict.Accepted, v));
        Assert.Null(watch.Conflict);
        Assert.Equal("e", watch.Current!.Incarnation);
    }

    [Fact]
    public void One_late_beat_of_the_process_before_a_restart_is_not_a_clone()
    {
        var (watch, verdicts) = Run("a", "b", "a", "b", "b", "b");
        Assert.All(verdicts, v => Assert.Equal(CloneVerdict.Accepted, v));
        Assert.Null(watch.Conflict);
    }

    [Fact]
    public void Two_machines_alternating_are_a_clone_and_the_one_heard_first_keeps_running()
    {
        var (watch, verdicts) = Run("a", "a", "b", "a", "b", "a", "b");

        Assert.NotNull(watch.Conflict);
        Assert.Equal(["a", "b"], watch.Conflict!.Select(m => m.Incarnation));
        Assert.Equal(T0, watch.Conflict[0].FirstSeen);
        Assert.Equal(CloneVerdict.Accepted, verdicts[5]); // a, heard first
        Assert.Equal(CloneVerdict.Suspected, verdicts[6]); // b, the newcomer
    }

    [Fact]
    public void A_clone_heartbeating_faster_is_found_all_the_same()
    {
        var (watch, _) = Run("a", "b", "b", "b", "a", "b", "b", "a");
        Assert.NotNull(watch.Conflict);
    }

    [Fact]
    public void Keeping_one_machine_sends_the_other_to_register_anew_and_the_kept_one_may_restart()
    {
        var (watch, _) = Run("a", "b", "a", "b", "a");
        var resolved = watch.Resolve("b");

        Assert.Null(resolved.Conflict);
        Assert.Equal(CloneVerdict.RegisterAnew, resolved.Observe(Beat("a"), T0.AddMinutes(5)).Verdict);
        var (afterBeat, verdict) = resolved.Observe(Beat("b"), T0.AddMinutes(5));
        Assert.Equal(CloneVerdict.Accepted, verdict);
        // The kept machine restarts: a new incarnation, still no conflict.
        var (restarted, again) = afterBeat.Observe(Beat("c"), T0.AddMinutes(6));
        Assert.Equal(CloneVerdict.Accepted, again);
        Assert.Null(restarted.Conflict);
        Assert.Equal(CloneVerdict.RegisterAnew, restarted.Observe(Beat("a"), T0.AddMinutes(7)).Verdict);
    }

    [Fact]
    public void Agents_that_report_no_incarnation_are_accepted_as_before()
    {
        var (watch, verdicts) = Run(null, null, null);
        Assert.All(verdicts, v => Assert.Equal(CloneVerdict.Accepted, v));
        Assert.Same(CloneWatch.None, watch);
    }

    [Fact]
    public void Resolving_remembers_a_bounded_number_of_dismissed_machines()
    {
        var watch = CloneWatch.None;
        for (var round = 0; round < 40; round++)
        {
            for (var i = 0; i < 5; i++)
            {
                (watch, _) = watch.Observe(Beat(i % 2 == 0 ? $"keep{round}" : $"clone{round}"), T0.AddMinutes(round).AddSeconds(i));
            }
            watch = watch.Resolve($"keep{round}");
        }
        Assert.Equal(CloneWatch.MaxDismissed, watch.Dismissed.Count);
        Assert.Contains("clone39", watch.Dismissed);
    }
}
