using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Scheduling;

/// <summary>Placement rules as a user asked for them, before validation.</summary>
public sealed record SchedulingDraft
{
    public IReadOnlyList<HostLabelRuleDraft?>? HostLabels { get; init; }
    public IReadOnlyList<AffinityRuleDraft?>? Affinity { get; init; }
    public ReservationDraft? Reservations { get; init; }
    public bool? Global { get; init; }

    /// <summary>Validates, naming every refused field under <paramref name="field"/>.</summary>
    public static SchedulingRules Check(SchedulingDraft? draft, string field, FieldErrors errors)
    {
        if (draft is null)
        {
            return SchedulingRules.None;
        }
        var labels = new List<HostLabelRule>();
        if (Bounds.TooMany(draft.HostLabels?.Count ?? 0, Bounds.MaxItems, $"{field}.hostLabels", errors)
            | Bounds.TooMany(draft.Affinity?.Count ?? 0, Bounds.MaxItems, $"{field}.affinity", errors))
        {
            return SchedulingRules.None;
        }
        for (var i = 0; i < (draft.HostLabels?.Count ?? 0); i++)
        {
            var at = $"{field}.hostLabels[{i}]";
            if (draft.HostLabels![i] is not { } rule)
            {
                errors.Add(at, "must be an object, not null");
                continue;
            }
            var valid = Hosts.HostLabels.IsValid(rule.Key, rule.Value ?? "", at, errors);
            if (rule.Op is not (null or "eq" or "ne"))
            {
                errors.Add($"{at}.op", "must be 'eq' or 'ne'");
                valid = false;
            }
            if (valid)
            {
                labels.Add(new HostLabelRule(rule.Key!, rule.Value ?? "", rule.Op != "ne", rule.Soft ?? false));
            }
        }
        var affinity = new List<ServiceAffinityRule>();
        for (var i = 0; i < (draft.Affinity?.Count ?? 0); i++)
        {
            var at = $"{field}.affinity[{i}]";
            if (draft.Affinity![i] is not { } rule)
            {
                errors.Add(at, "must be an object, not null");
            }
            else if (CheckServiceName(rule.Service, $"{at}.service", errors) is { } service)
            {
                affinity.Add(new ServiceAffinityRule(service, rule.Anti ?? false, rule.Soft ?? false));
            }
        }
        var reservation = Reservation.None;
        if (draft.Reservations is { } wanted)
        {
            if (wanted.Cpus is < 0 or > 1024)
            {
                errors.Add($"{field}.reservations.cpus", "must be between 0 and 1024 cores");
            }
            if (wanted.MemoryBytes is < 0)
            {
                errors.Add($"{field}.reservations.memoryBytes", "must not be negative");
            }
            reservation = new Reservation((int)Math.Round((wanted.Cpus ?? 0) * 1000), wanted.MemoryBytes ?? 0);
        }
        return new SchedulingRules { HostLabels = labels, Affinity = affinity, Reservation = reservation, Global = draft.Global ?? false };
    }

    /// <summary>A service name, or <c>stack/service</c> for a service of a stack.</summary>
    public static string? CheckServiceName(string? name, string field, FieldErrors errors)
    {
        var slash = name?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash < 0)
        {
            return ResourceName.Check(name, field, errors);
        }
        var stack = ResourceName.Check(name![..slash], field, errors);
        var service = stack is null ? null : ResourceName.Check(name[(slash + 1)..], field, errors);
        return service is null ? null : name;
    }
}

/// <summary>A host label rule as asked: <c>op</c> is <c>eq</c> (default) or <c>ne</c>; <c>soft</c> only prefers.</summary>
public sealed record HostLabelRuleDraft(string? Key, string? Value, string? Op, bool? Soft);

/// <summary>An affinity rule as asked: to (or, with <c>anti</c>, away from) another service of the environment.</summary>
public sealed record AffinityRuleDraft(string? Service, bool? Anti, bool? Soft);

/// <summary>Reservations as asked: cores (fractions allowed) and bytes.</summary>
public sealed record ReservationDraft(double? Cpus, long? MemoryBytes);
