using System.Text.Json;
using System.Text.Json.Nodes;
using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Upgrades;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>What a revised compose file does to one service of the stack.</summary>
public enum StackChangeKind
{
    /// <summary>New in the file: created.</summary>
    Add,

    /// <summary>Its launch configuration changed: a rolling upgrade under its <c>update_config</c>.</summary>
    Upgrade,

    /// <summary>Scale, placement, balancer rules or upgrade policy changed: applied at once, no container replaced.</summary>
    Change,

    Unchanged,

    /// <summary>No longer in the file and the request said to remove what is missing: deleted with its containers.</summary>
    Remove,

    /// <summary>No longer in the file, kept because the request did not say to remove it.</summary>
    Keep,
}

/// <summary>One service's line in a revision's plan: what happens to it and which fields changed.</summary>
public sealed record StackChange(string Service, StackChangeKind Kind, IReadOnlyList<string> Fields, string? FromVersion, string? ToVersion, int? FromScale, int? ToScale);

/// <summary>
/// A stack revised from a new compose file, as <c>rancher-compose up --upgrade</c> did: every
/// service of the file compared with the one the stack runs. Pure: the caller reads the
/// services, writes what this returns, and can show <see cref="Changes"/> without writing
/// anything (a dry run).
/// </summary>
public sealed record StackRevision(
    IReadOnlyList<StackChange> Changes,
    IReadOnlyList<StackService> Added,
    IReadOnlyList<(Service Before, Service After)> Changed,
    IReadOnlyList<Service> Removed,
    IReadOnlyList<Service> Kept)
{
    // The API's names for the fields a change lists.
    private static readonly JsonSerializerOptions FieldNames = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>
    /// The revision of a stack whose services are <paramref name="current"/> to <paramref name="next"/>.
    /// A service mid-upgrade whose launch configuration the file changes again is refused
    /// (the whole revision with it), saying which and why.
    /// </summary>
    /// <param name="current">The stack's services now (none being deleted).</param>
    /// <param name="next">The revised file, read and checked.</param>
    /// <param name="removeMissing">Whether services no longer in the file are deleted (otherwise they stay, listed as kept).</param>
    /// <param name="hasInstances">Whether a service runs anything: one that does not takes a new version at once.</param>
    /// <param name="now">When the revision happens: the start of any upgrade it begins.</param>
    public static (StackRevision? Revision, IReadOnlyDictionary<string, string> Refused) Of(
        IReadOnlyList<Service> current, StackDefinition next, bool removeMissing, Func<Service, bool> hasInstances, DateTimeOffset now)
    {
        var byName = current.ToDictionary(s => s.Spec.Name, StringComparer.Ordinal);
        var changes = new List<StackChange>();
        var added = new List<StackService>();
        var changed = new List<(Service, Service)>();
        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var wanted in next.Services)
        {
            var name = wanted.Spec.Name;
            if (!byName.TryGetValue(name, out var service))
            {
                added.Add(wanted);
                changes.Add(new(name, StackChangeKind.Add, [], null, LaunchVersion.Of(wanted.Spec), null, wanted.Scale));
                continue;
            }
            var fields = ChangedFields(service, wanted);
            if (fields.Count == 0)
            {
                changes.Add(new(name, StackChangeKind.Unchanged, [], service.Version, service.Version, service.Scale, service.Scale));
                continue;
            }
            var basis = service with { Scale = wanted.Scale, Policy = wanted.Policy };
            var (after, refusal) = ServiceUpgrades.Change(basis, wanted.Spec, null, hasInstances(service), now);
            if (after is null)
            {
                refused[$"services.{name}"] = refusal!;
                continue;
            }
            var kind = after.Upgrade is { } upgrade && !ReferenceEquals(upgrade, service.Upgrade) ? StackChangeKind.Upgrade : StackChangeKind.Change;
            changed.Add((service, after));
            changes.Add(new(name, kind, fields, service.Version, after.Version, service.Scale, after.Scale));
        }
        var listed = next.Services.Select(s => s.Spec.Name).ToHashSet(StringComparer.Ordinal);
        var missing = current.Where(s => !listed.Contains(s.Spec.Name)).ToList();
        foreach (var service in missing)
        {
            changes.Add(new(service.Spec.Name, removeMissing ? StackChangeKind.Remove : StackChangeKind.Keep, [], service.Version, null, service.Scale, null));
        }
        if (refused.Count > 0)
        {
            return (null, refused);
        }
        var removed = removeMissing ? missing.Select(s => s with { Deleting = true }).ToList() : [];
        return (new StackRevision(changes, added, changed, removed, removeMissing ? [] : missing), refused);
    }

    /// <summary>Whether the revision changes anything at all.</summary>
    public bool IsEmpty => Changes.All(c => c.Kind is StackChangeKind.Unchanged or StackChangeKind.Keep);

    /// <summary>The fields of the spec (by their API names), scale and upgrade policy that differ.</summary>
    private static List<string> ChangedFields(Service service, StackService wanted)
    {
        var before = JsonSerializer.SerializeToNode(service.Spec, FieldNames)!.AsObject();
        var after = JsonSerializer.SerializeToNode(wanted.Spec, FieldNames)!.AsObject();
        var fields = before.Select(p => p.Key).Union(after.Select(p => p.Key))
            .Where(key => !JsonNode.DeepEquals(before[key], after[key]))
            .ToList();
        if (service.Scale != wanted.Scale)
        {
            fields.Add("scale");
        }
        if (!JsonNode.DeepEquals(JsonSerializer.SerializeToNode(service.Policy, FieldNames), JsonSerializer.SerializeToNode(wanted.Policy, FieldNames)))
        {
            fields.Add("upgradePolicy");
        }
        return fields;
    }
}
