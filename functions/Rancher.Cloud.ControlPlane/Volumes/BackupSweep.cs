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
            foreach (var id in await store.ManifestIdsAsync(partition, ct))
            {
                if (await store.ManifestAsync(partition, id, ct) is not { } stored)
                {
                    continue;
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
                    deleted++;
                }
            }
            log.LogInformation("Backup sweep of {Partition}: {Deleted} chunks no backup uses were deleted, {Kept} kept", partition, deleted, used.Count);
            return true;
        }
        finally
        {
            // Kept, without a time: handing out a backup touches it, which is how the two exclude each other.
            await tables.State.UpsertEntityAsync(new TableEntity(partition, ClaimRow), TableUpdateMode.Replace, ct);
        }
    }
}
