using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Domain.Hosts;

/// <summary>
/// Tells a restarted agent from a second machine using the same host credential. Each agent
/// process reports a random incarnation id (and its machine's boot id); a restart brings a new
/// incarnation and the old one is never heard again, while a clone's two machines keep
/// heartbeating, so their incarnations alternate. Nothing that changes on its own on a healthy
/// machine (interfaces, addresses, engine) is looked at, so it cannot fire on one.
/// </summary>
public sealed record CloneWatch
{
    /// <summary>Switches back to the incarnation before last that make a clone: one stray late beat after a restart is not.</summary>
    public const int AlternationsForClone = 3;

    public static readonly CloneWatch None = new();

    /// <summary>Dismissed incarnations remembered; an older one long gone has registered anew or stopped.</summary>
    public const int MaxDismissed = 16;

    /// <summary>The incarnation heard last, and since when it has been heard.</summary>
    public Machine? Current { get; init; }

    /// <summary>The incarnation heard before <see cref="Current"/>.</summary>
    public Machine? Previous { get; init; }

    /// <summary>How often heartbeats switched back to <see cref="Previous"/> in a row.</summary>
    public int Alternations { get; init; }

    /// <summary>Set while two machines use the credential: both, the one heard first first.</summary>
    public IReadOnlyList<Machine>? Conflict { get; init; }

    /// <summary>Incarnations the operator sent away to register as new hosts.</summary>
    public IReadOnlyList<string> Dismissed { get; init; } = [];

    /// <summary>
    /// What one heartbeat from <paramref name="facts"/> means, and the watch after it. Agents that
    /// report no incarnation (older ones) are accepted as they always were.
    /// </summary>
    public (CloneWatch Next, CloneVerdict Verdict) Observe(HostFacts facts, DateTimeOffset now)
    {
        if (facts.Incarnation is not { } incarnation)
        {
            return (this, CloneVerdict.Accepted);
        }
        if (Dismissed.Contains(incarnation))
        {
            return (this, CloneVerdict.RegisterAnew);
        }
        var seen = new Machine(incarnation, facts.BootId, facts.Hostname, facts.Endpoint, now, now);
        if (Conflict is { } machines)
        {
            var updated = machines.Select(m => m.Incarnation == incarnation ? m with { LastSeen = now, Hostname = facts.Hostname, Endpoint = facts.Endpoint } : m).ToList();
            // The machine heard first keeps running what it runs; the newcomer waits for the operator.
            var verdict = machines[0].Incarnation == incarnation ? CloneVerdict.Accepted : CloneVerdict.Suspected;
            return (this with { Conflict = updated.Any(m => m.Incarnation == incarnation) ? updated : [.. updated, seen] }, verdict);
        }
        if (Current?.Incarnation == incarnation)
        {
            return (this with { Current = Current with { LastSeen = now } }, CloneVerdict.Accepted);
        }
        if (Previous?.Incarnation == incarnation)
        {
            var alternations = Alternations + 1;
            var back = Previous with { LastSeen = now };
            if (alternations >= AlternationsForClone)
            {
                var first = back.FirstSeen <= Current!.FirstSeen ? back : Current;
                var second = ReferenceEquals(first, back) ? Current : back;
                return (this with { Current = back, Previous = Current, Alternations = alternations, Conflict = [first, second] },
                    first.Incarnation == incarnation ? CloneVerdict.Accepted : CloneVerdict.Suspected);
            }
            return (this with { Current = back, Previous = Current, Alternations = alternations }, CloneVerdict.Accepted);
        }
        // A new incarnation: the agent restarted (or a clone started; alternation will tell).
        return (this with { Current = seen, Previous = Current, Alternations = 0 }, CloneVerdict.Accepted);
    }

    /// <summary>The operator's decision: <paramref name="keep"/> goes on as the host, the other machine registers anew.</summary>
    public CloneWatch Resolve(string keep)
    {
        var machines = Conflict ?? [];
        var kept = machines.First(m => m.Incarnation == keep);
        return new CloneWatch
        {
            Current = kept,
            Dismissed = [.. Dismissed.TakeLast(MaxDismissed - 1), .. machines.Where(m => m.Incarnation != keep).Select(m => m.Incarnation)],
        };
    }
}

/// <summary>One agent process using the host credential, as the operator sees it in a conflict.</summary>
public sealed record Machine(string Incarnation, string? BootId, string Hostname, string? Endpoint, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);

/// <summary>What a heartbeat from one incarnation gets.</summary>
public enum CloneVerdict
{
    /// <summary>The host's machine: recorded as usual.</summary>
    Accepted,

    /// <summary>A second machine with the same credential: recorded in the conflict, told to wait.</summary>
    Suspected,

    /// <summary>The operator kept the other machine: this one must register as a new host.</summary>
    RegisterAnew,
}
