using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.Backups;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Events;
using Rancher.Cloud.Domain.Volumes;

namespace Rancher.Cloud.ControlPlane.Volumes;

/// <summary>
/// Deletes backups and the chunks no remaining backup uses. Only the control plane deletes: hosts
/// hold no delete permission. While a sweep runs no backup is handed out, and a sweep does not
/// start while one runs, so a chunk a backup found already stored cannot vanish under it.
/// </summary>
public sealed class BackupSweep(Tables tables, BackupStore store, BackupDataKeys keys, TimeProvider clock, ILogger<BackupSweep> log)
{
    public const string ClaimRow = BackupRows.Prefix + "sweep";

    /// <summary>A claim older than this was left by a sweep that died; the next may take it.</summary>
    public static readonly TimeSpan ClaimLifetime = TimeSpan.FromMinutes(15);

    /// <summary>Set on the claim row while chunks may wait to be swept (a sweep could not run, or stopped).</summary>
    public const string PendingColumn = "Pending";

    /// <summary>Sweeps if one is pending (a backup was running when the last was asked for).</summary>
    public async Task SweepIfPendingAsync(string tenantId, string partition, CancellationToken ct)
    {
        if (await tables.State.FindAsync(partition, ClaimRow, ct) is { } claim && claim.GetBoolean(PendingColumn) == true && !Holds(claim, clock.GetUtcNow()))
        {
            await SweepAsync(tenantId, partition, ct);
        }
    }

    /// <summary>Whether a sweep holds the environment now (backups wait for it).</summary>
    public static bool Holds(TableEntity? claim, DateTimeOffset now) =>
        claim?.GetDateTimeOffset("At") is { } at && now - at < ClaimLifetime;

    /// <summary>Deletes the backups (manifest first, so none is left half-visible, then the row with its event), then sweeps.</summary>
    public async Task DeleteBackupsAsync(string tenantId, string partition, IReadOnlyList<string> backupIds, CancellationToken ct, string reason = "deleted")
    {
        foreach (var id in backupIds)
        {
            await store.DeleteManifestAsync(partition, id, ct);
            var now = clock.GetUtcNow();
            try
            {
                await tables.State.SubmitTransactionAsync(
                [
                    new(TableTransactionActionType.Delete, new TableEntity(partition, BackupRows.TaskPrefix + id), ETag.All),
                    Events.EventRows.Add(partition, new EnvironmentEvent("backup.deleted", id, $"Backup {id} was {reason}."), now),
                ], ct);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // Deleted by another request meanwhile.
            }
        }
        await SweepAsync(tenantId, partition, ct);
    }

    /// <summary>Deletes every chunk no manifest names. False when it could not run now (a backup runs, or another sweep).</summary>
    public async Task<bool> SweepAsync(string tenantId, string partition, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var claim = await tables.State.FindAsync(partition, ClaimRow, ct);
        if (Holds(claim, now))
        {
            return false;
        }
        var mine = new TableEntity(partition, ClaimRow) { ["At"] = now };
        var swept = false;
        try
        {
            var response = claim is null
                ? await tables.State.AddEntityAsync(mine, ct)
                : await tables.State.UpdateEntityAsync(mine, claim.ETag, TableUpdateMode.Replace, ct);
            mine.ETag = response.Headers.ETag ?? ETag.All;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false; // another sweep claimed it first
        }
        try
        {
            var running = await tables.State.QueryAsync<TableEntity>(
                StateRows.PrefixFilter(partition, BackupRows.TaskPrefix) + $" and Kind eq '{Contracts.VolumeTaskKinds.Backup}' and State eq '{VolumeTaskState.Running}'",
                maxPerPage: 1, cancellationToken: ct).AnyAsync(ct);
            if (running)
            {
                return false;
            }
            var backupKeys = BackupKeys.From(await keys.KeyAsync(tenantId, partition, ct));
            var used = new HashSet<string>(StringComparer.Ordinal);
            // The manifests of the backups the environment keeps (a manifest a host wrote for no such backup names nothing kept).
            var kept = (await tables.State.WithPrefixAsync(partition, BackupRows.TaskPrefix, ct))
                .Where(r => r.GetString("Kind") == Contracts.VolumeTaskKinds.Backup && BackupRows.StateOf(r) == VolumeTaskState.Completed)
                .Select(BackupRows.IdOf);
            foreach (var id in kept)
            {
                if (await store.ManifestAsync(partition, id, ct) is not { } stored)
                {
                    log.LogError("Backup sweep of {Partition} stopped: completed backup {BackupId} has no manifest", partition, id);
                    return false;
                }
                try
                {
                    used.UnionWith(BackupManifest.Open(backupKeys, id, stored).Chunks.Select(c => c.Id));
                }
                catch (BackupCorruptException e)
                {
                    // Which chunks it needs cannot be told: delete nothing rather than something it needs.
                    log.LogError("Backup sweep of {Partition} stopped: {Reason}", partition, e.Message);
                    return false;
                }
            }
            var deleted = 0;
            foreach (var chunk in await store.ChunkIdsAsync(partition, ct))
            {
                if (!used.Contains(chunk))
                {
                    await store.DeleteChunkAsync(partition, chunk, ct);
                    // A long sweep renews its claim, under its ETag: one that lapsed (and let a backup start) stops here.
                    if (++deleted % 200 == 0)
                    {
                        mine["At"] = clock.GetUtcNow();
                        mine.ETag = (await tables.State.UpdateEntityAsync(mine, mine.ETag, TableUpdateMode.Replace, ct)).Headers.ETag ?? ETag.All;
                    }
                }
            }
            log.LogInformation("Backup sweep of {Partition}: {Deleted} chunks no backup uses were deleted, {Kept} kept", partition, deleted, used.Count);
            swept = true;
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            log.LogWarning("Backup sweep of {Partition} lost its claim and stopped; the next one goes on", partition);
            return false;
        }
        finally
        {
            // Kept, without a time: handing out a backup touches it, which is how the two exclude each other.
            // Until a sweep completes it stays pending, and the schedules' timer tries again.
            var idle = new TableEntity(partition, ClaimRow);
            if (!swept)
            {
                idle[PendingColumn] = true;
            }
            await tables.State.UpsertEntityAsync(idle, TableUpdateMode.Replace, CancellationToken.None);
        }
    }
}
