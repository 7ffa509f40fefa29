using Azure;
using Azure.Data.Tables;
using Rancher.Cloud.Domain.Reconcile;

namespace Rancher.Cloud.ControlPlane.Storage;

/// <summary>An environment's snapshot together with what is needed to commit against it (row ETags).</summary>
public sealed record LoadedEnvironment(
    string Partition,
    ETag MetaETag,
    long Revision,
    EnvironmentSnapshot Snapshot,
    IReadOnlyDictionary<string, ETag> RowETags,
    IReadOnlyCollection<string> OrphanObservations);

/// <summary>
/// Loads an environment's partition and commits reconcile steps to it. A step commits in one
/// transaction guarded by the meta row's ETag, so of two reconcilers working from the same
/// revision exactly one wins; the other re-reads.
/// </summary>
public sealed class EnvironmentState(Tables tables, Microsoft.Extensions.Options.IOptions<ControlPlaneOptions> options)
{
    /// <summary>The meta row's column with the environment's own balancer image, when it has one.</summary>
    public const string BalancerImageColumn = "BalancerImage";

    public async Task<LoadedEnvironment?> LoadAsync(string tenantId, string environmentId, CancellationToken ct)
    {
        var partition = Tables.EnvironmentKey(tenantId, environmentId);
        var rows = await EnvironmentRows.ReadAsync(tables, partition, ct);
        if (rows.Meta is not { } meta)
        {
            return null;
        }
        var live = rows.Instances.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var orphans = rows.Observations.Keys.Where(id => !live.Contains(id)).ToList();
        var snapshot = new EnvironmentSnapshot(rows.Services, rows.Instances, rows.Hosts, rows.Plans, rows.Statuses)
        {
            Unhealthy = rows.Observations.Values.Select(o => o.AsUnhealthy()).OfType<UnhealthyInstance>().ToList(),
            Replacements = rows.Replacements,
            EnvironmentId = environmentId,
            Cidr = meta.GetString("Cidr"),
            Name = meta.GetString("Name"),
            BalancerImage = meta.GetString(BalancerImageColumn) is { Length: > 0 } own ? own : options.Value.BalancerImage,
            Certificates = rows.Certificates,
            AcmeChallenges = rows.AcmeChallenges,
            Observed = rows.Observations.ToDictionary(p => p.Key, p => p.Value.AsState(), StringComparer.Ordinal),
        };
        return new LoadedEnvironment(partition, meta.ETag, meta.GetInt64("Revision") ?? 0, snapshot, rows.ETags, orphans);
    }

    /// <summary>
    /// The transaction a step commits in, counted from what <see cref="Actions"/> writes for each
    /// kind of change (the most it writes). The planner spends it; a property test checks that no
    /// step it produces writes more.
    /// </summary>
    public static TransactionBudget Budget { get; } = new()
    {
        Operations = MaxOperations,
        // A transaction's payload is at most 4 MiB; the rest is the batch's own framing.
        Bytes = (4 << 20) - (256 << 10) - (Domain.Events.StepEvents.MaxPerStep * 8 << 10),
        PerStep = 1 + Domain.Events.StepEvents.MaxPerStep, // the meta row's revision, and what the step did as events
        PerAdded = 1,       // the instance row (added, or replacing its slot's old one)
        PerRemoved = 2,     // the instance row and what was observed of it
        PerPurged = 3,      // the service row, its status and its replacement history
        PerStatus = 1,
        PerReplacement = 1,
        PerPlan = 1,
        PerService = 1,
        PerRetired = 1,
        RowBytes = 1024,    // a changeset's headers, the keys and the fixed columns
        // Content is JSON inside a JSON string: a quote is written as \u0022, six bytes for one.
        BytesPerContentChar = 3,
        // Longer plans are stored gzip+base64 (StateRows): at worst a little over 4/3 of the text, a '+' escaped.
        CompressedAboveChars = ChunkedProperty.Chunk,
        BytesPerCompressedChar = 2,
    };

    /// <summary>Operations Table Storage accepts in one transaction.</summary>
    public const int MaxOperations = 100;

    /// <summary>Applies a step atomically. False when another writer moved the environment on first.</summary>
    public async Task<bool> CommitAsync(LoadedEnvironment loaded, ReconcileStep step, DateTimeOffset now, CancellationToken ct)
    {
        var actions = Actions(loaded, step, now);
        try
        {
            await tables.State.SubmitTransactionAsync(actions, ct);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return false;
        }
    }

    /// <summary>The writes that commit <paramref name="step"/>, guarded by the ETags it was planned from.</summary>
    public static List<TableTransactionAction> Actions(LoadedEnvironment loaded, ReconcileStep step, DateTimeOffset now)
    {
        var p = loaded.Partition;
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpdateMerge, new TableEntity(p, StateRows.Meta) { ["Revision"] = loaded.Revision + 1 }, loaded.MetaETag),
        };
        actions.AddRange(Domain.Events.StepEvents.Of(step, loaded.Snapshot).Select(e => Events.EventRows.Add(p, e, now)));
        // A slot emptied and filled again in one step (its instance moved hosts) is one row
        // replaced: a transaction may touch each row only once.
        var refilled = step.Added.Select(i => StateRows.InstanceKey(i.ServiceId, i.Slot))
            .Intersect(step.Removed.Select(i => StateRows.InstanceKey(i.ServiceId, i.Slot)), StringComparer.Ordinal)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var instance in step.Added)
        {
            var row = StateRows.ToRow(p, instance);
            actions.Add(refilled.Contains(row.RowKey)
                ? new(TableTransactionActionType.UpdateReplace, row, loaded.RowETags[row.RowKey])
                : new(TableTransactionActionType.Add, row));
        }
        foreach (var instance in step.Removed)
        {
            var key = StateRows.InstanceKey(instance.ServiceId, instance.Slot);
            if (!refilled.Contains(key))
            {
                actions.Add(new(TableTransactionActionType.Delete, new TableEntity(p, key), loaded.RowETags[key]));
            }
            if (loaded.RowETags.ContainsKey(StateRows.ObservedPrefix + instance.Id))
            {
                actions.Add(new(TableTransactionActionType.Delete, new TableEntity(p, StateRows.ObservedPrefix + instance.Id), ETag.All));
            }
        }
        // A retired instance's row is rewritten in place, unless the step also removes it.
        var removed = step.Removed.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var instance in step.Retired.Where(i => !removed.Contains(i.Id)))
        {
            var row = StateRows.ToRow(p, instance);
            actions.Add(new(TableTransactionActionType.UpdateReplace, row, loaded.RowETags[row.RowKey]));
        }
        foreach (var service in step.Services.Values.Where(s => !step.PurgedServices.Contains(s.Id)))
        {
            var row = StateRows.ToRow(p, service);
            actions.Add(new(TableTransactionActionType.UpdateReplace, row, loaded.RowETags[row.RowKey]));
        }
        foreach (var serviceId in step.PurgedServices)
        {
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(p, StateRows.ServicePrefix + serviceId), ETag.All));
            foreach (var prefix in new[] { StateRows.StatusPrefix, StateRows.ReplacementsPrefix })
            {
                if (loaded.RowETags.ContainsKey(prefix + serviceId))
                {
                    actions.Add(new(TableTransactionActionType.Delete, new TableEntity(p, prefix + serviceId), ETag.All));
                }
            }
        }
        foreach (var (serviceId, history) in step.Replacements)
        {
            if (!step.PurgedServices.Contains(serviceId))
            {
                actions.Add(new(TableTransactionActionType.UpsertReplace, StateRows.ToRow(p, serviceId, history)));
            }
        }
        foreach (var (serviceId, status) in step.Statuses)
        {
            if (!step.PurgedServices.Contains(serviceId))
            {
                actions.Add(new(TableTransactionActionType.UpsertReplace, StateRows.ToRow(p, serviceId, status)));
            }
        }
        foreach (var revision in step.Plans)
        {
            var row = StateRows.ToRow(p, revision);
            actions.Add(loaded.RowETags.TryGetValue(row.RowKey, out var etag)
                ? new(TableTransactionActionType.UpdateReplace, row, etag)
                : new(TableTransactionActionType.Add, row));
        }
        // Observations left behind by a report that raced a removal; cleaned while there is room.
        foreach (var orphan in loaded.OrphanObservations.Take(Math.Max(0, MaxOperations - actions.Count)))
        {
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(p, StateRows.ObservedPrefix + orphan), ETag.All));
        }
        return actions;
    }
}
