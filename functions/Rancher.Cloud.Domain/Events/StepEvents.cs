using Rancher.Cloud.Domain.Reconcile;

namespace Rancher.Cloud.Domain.Events;

/// <summary>
/// What a reconcile step did, as events, one per service and kind of change: instances placed,
/// removed, replaced for failing their checks, and placements that failed with their reasons. A
/// step writes at most <see cref="MaxPerStep"/>: its transaction keeps room for that many, and a
/// busier step says how much more it did in its last event.
/// </summary>
public static class StepEvents
{
    public const int MaxPerStep = 5;

    public static IReadOnlyList<EnvironmentEvent> Of(ReconcileStep step, EnvironmentSnapshot snapshot)
    {
        var services = snapshot.Services.ToDictionary(s => s.Id, StringComparer.Ordinal);
        string Name(string serviceId) => services.TryGetValue(serviceId, out var s) ? s.Spec.QualifiedName : serviceId;
        var replaced = snapshot.Unhealthy.Select(u => u.InstanceId).ToHashSet(StringComparer.Ordinal);
        // An upgrade's own events come first: when a busy step has more to say than it keeps, they are what is kept.
        var events = step.UpgradeEvents
            .Select(u => new EnvironmentEvent(EventTypes.UpgradeKind + u.Event.Kind, u.ServiceId, $"{Name(u.ServiceId)}: {u.Event.Message}"))
            .ToList();
        foreach (var group in step.Added.GroupBy(i => i.ServiceId, StringComparer.Ordinal))
        {
            events.Add(new(EventTypes.InstancePlaced, group.Key, $"{Name(group.Key)}: {Count(group.Count())} placed on {Hosts(group.Select(i => i.HostId))}"));
        }
        foreach (var group in step.Removed.GroupBy(i => i.ServiceId, StringComparer.Ordinal))
        {
            var failing = group.Where(i => replaced.Contains(i.Id) && step.Replacements.ContainsKey(group.Key)).ToList();
            if (failing.Count > 0)
            {
                events.Add(new(EventTypes.InstanceReplaced, group.Key, $"{Name(group.Key)}: {Count(failing.Count)} on {Hosts(failing.Select(i => i.HostId))} replaced for failing its health check"));
            }
            if (group.Count() > failing.Count)
            {
                events.Add(new(EventTypes.InstanceRemoved, group.Key, $"{Name(group.Key)}: {Count(group.Count() - failing.Count)} removed from {Hosts(group.Except(failing).Select(i => i.HostId))}"));
            }
        }
        foreach (var (serviceId, status) in step.Statuses.Where(s => s.Value.Unplaced > 0))
        {
            var why = status.Reasons.GroupBy(r => r.Reason, StringComparer.Ordinal).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault() ?? "no host is active";
            events.Add(new(EventTypes.PlacementFailed, serviceId, $"{Name(serviceId)}: {Count(status.Unplaced)} cannot be placed: {why}"));
        }
        if (events.Count <= MaxPerStep)
        {
            return events;
        }
        var kept = events.Take(MaxPerStep).ToList();
        kept[^1] = kept[^1] with { Message = kept[^1].Message + $" (and {events.Count - MaxPerStep} more changes in this step)" };
        return kept;
    }

    private static string Count(int n) => n == 1 ? "1 instance" : $"{n} instances";

    private static string Hosts(IEnumerable<string> hostIds)
    {
        var hosts = hostIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return hosts.Count <= 5 ? $"host {string.Join(", ", hosts)}" : $"{hosts.Count} hosts";
    }
}
