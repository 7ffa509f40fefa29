using Azure;
using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Events;
using Rancher.Cloud.Domain.Volumes;

namespace Rancher.Cloud.ControlPlane.Volumes;

/// <summary>
/// The agent's side of volume tasks: the host's waiting and running tasks (with the means to do
/// them), their progress and their results. A credential reaches only its own host's tasks.
/// </summary>
public sealed class VolumeTasksService(Tables tables, BackupStore store, BackupDataKeys keys, TimeProvider clock)
{
    /// <summary>
    /// The host's tasks to do, one at a time as its agent runs them: those already running (an agent
    /// that restarted takes them up again), else the oldest waiting one, now marked running; the rest
    /// stay pending, and show so. Backups wait while a retention sweep holds the environment.
    /// </summary>
    public async Task<Outcome<IReadOnlyList<VolumeTask>>> ForHostAsync(HostCaller host, CancellationToken ct)
    {
        var partition = Tables.EnvironmentKey(host.TenantId, host.EnvironmentId);
        var rows = new List<TableEntity>();
        var filter = StateRows.PrefixFilter(partition, BackupRows.TaskPrefix) + " and " + TableClient.CreateQueryFilter($"HostId eq {host.HostId}");
        await foreach (var row in tables.State.QueryAsync<TableEntity>(filter, cancellationToken: ct))
        {
            if (VolumeTaskState.IsActive(BackupRows.StateOf(row)))
            {
                rows.Add(row);
            }
        }
        if (rows.Count == 0)
        {
            return Array.Empty<VolumeTask>();
        }
        var now = clock.GetUtcNow();
        var tasks = new List<VolumeTask>();
        string? sas = null;
        string? dataKey = null;
        var running = rows.Where(r => BackupRows.StateOf(r) == VolumeTaskState.Running).ToList();
        foreach (var row in running.Count > 0 ? running : [.. rows.OrderBy(r => r.GetDateTimeOffset("CreatedAt"))])
        {
            if (BackupRows.StateOf(row) == VolumeTaskState.Pending && !await HandOutAsync(partition, row, now, ct))
            {
                continue;
            }
            var task = new VolumeTask(BackupRows.IdOf(row), row.GetString("Kind"), row.GetString("Volume"), row.GetString("BackupId") ?? "")
            {
                Replace = row.GetBoolean("Replace") ?? false,
            };
            if (task.Kind != VolumeTaskKinds.Remove)
            {
                // Only the tasks that read or write backups are given the means to.
                sas ??= await store.HostSasAsync(partition, ct);
                dataKey ??= Convert.ToBase64String(await keys.KeyAsync(host.TenantId, partition, ct));
                task = task with { Container = sas, DataKey = dataKey };
            }
            tasks.Add(task);
            if (running.Count == 0)
            {
                break; // one handed out: the next waits for the agent's next fetch
            }
        }
        return tasks;
    }

    /// <summary>
    /// Marks a waiting task running. A backup is handed out together with a touch of the sweep's
    /// claim, so a sweep that claimed the environment first (or claims it meanwhile) wins and the backup waits.
    /// </summary>
    private async Task<bool> HandOutAsync(string partition, TableEntity row, DateTimeOffset now, CancellationToken ct)
    {
        var running = new TableEntity(partition, row.RowKey) { ["State"] = VolumeTaskState.Running, ["StartedAt"] = now };
        List<TableTransactionAction> actions = [new(TableTransactionActionType.UpdateMerge, running, row.ETag)];
        if (row.GetString("Kind") == VolumeTaskKinds.Backup)
        {
            var claim = await tables.State.FindAsync(partition, BackupSweep.ClaimRow, ct);
            if (BackupSweep.Holds(claim, now))
            {
                return false;
            }
            actions.Add(claim is null
                ? new(TableTransactionActionType.Add, new TableEntity(partition, BackupSweep.ClaimRow))
                : new(TableTransactionActionType.UpdateMerge, new TableEntity(partition, BackupSweep.ClaimRow) { ["HandedOut"] = now }, claim.ETag));
        }
        actions.Add(Events.EventRows.Add(partition, new EnvironmentEvent($"{row.GetString("Kind")}.started", BackupRows.IdOf(row),
            $"The agent of host {row.GetString("HostId")} took up {row.GetString("Kind")} {BackupRows.IdOf(row)} of volume '{row.GetString("Volume")}'."), now));
        try
        {
            await tables.State.SubmitTransactionAsync(actions, ct);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return false; // a sweep, or another fetch of the same agent, came first: the next fetch looks again
        }
    }

    /// <summary>A removed host's tasks end as failed: its agent will never report them, and they would hold its volumes and the sweep.</summary>
    public async Task FailHostTasksAsync(string partition, string hostId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        foreach (var row in await tables.State.WithPrefixAsync(partition, BackupRows.TaskPrefix, ct))
        {
            if (row.GetString("HostId") == hostId && VolumeTaskState.IsActive(BackupRows.StateOf(row)))
            {
                await tables.State.SubmitTransactionAsync(
                [
                    new(TableTransactionActionType.UpdateMerge, BackupRows.ResultRow(row, new VolumeTaskResult(false, $"host {hostId} was removed before it finished"), now), ETag.All),
                    Events.EventRows.Add(row.PartitionKey, new EnvironmentEvent($"{row.GetString("Kind")}.failed", BackupRows.IdOf(row), $"{row.GetString("Kind")} {BackupRows.IdOf(row)} failed: host {hostId} was removed."), now),
                ], ct);
            }
        }
    }

    public async Task<Outcome<bool>> ProgressAsync(HostCaller host, string taskId, VolumeTaskProgress progress, CancellationToken ct)
    {
        if (await RunningRowAsync(host, taskId, ct) is not { } row)
        {
            return Failure.NotFound("The task");
        }
        if (progress.BytesDone < 0 || progress.BytesTotal < 0 || progress.ChunksDone < 0 || progress.BytesUploaded < 0)
        {
            return Failure.Invalid("bytesDone", "figures are zero or more");
        }
        await tables.State.UpdateEntityAsync(BackupRows.ProgressRow(row, progress), ETag.All, TableUpdateMode.Merge, ct);
        return true;
    }

    /// <summary>Ends a task with the agent's result and its event, in one transaction.</summary>
    public async Task<Outcome<bool>> ResultAsync(HostCaller host, string taskId, VolumeTaskResult result, CancellationToken ct)
    {
        if (await RunningRowAsync(host, taskId, ct) is not { } row)
        {
            return Failure.NotFound("The task");
        }
        var now = clock.GetUtcNow();
        var kind = row.GetString("Kind");
        var message = result.Succeeded
            ? kind switch
            {
                VolumeTaskKinds.Backup => $"Backup {taskId} of volume '{row.GetString("Volume")}' completed: {result.Size} bytes in {result.Chunks} chunks, {result.NewChunks} new ({result.BytesUploaded} bytes uploaded), consistent by {result.Consistency}{(result.PausedMs > 0 ? $", paused {result.PausedMs} ms" : "")}.",
                VolumeTaskKinds.Remove => $"Volume '{row.GetString("Volume")}' was removed from host {host.HostId}.",
                VolumeTaskKinds.Restore => $"Backup {row.GetString("BackupId")} was restored into volume '{row.GetString("Volume")}' on host {host.HostId}.",
                _ => $"Backup {row.GetString("BackupId")} was verified on host {host.HostId}: {result.Chunks} chunks, every one intact.",
            }
            : $"{kind} {taskId} failed: {result.Error}";
        await tables.State.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.UpdateMerge, BackupRows.ResultRow(row, result, now), row.ETag),
            Events.EventRows.Add(partition: row.PartitionKey, new EnvironmentEvent($"{kind}.{(result.Succeeded ? "completed" : "failed")}", taskId, message), now),
        ], ct);
        return true;
    }

    private async Task<TableEntity?> RunningRowAsync(HostCaller host, string taskId, CancellationToken ct) =>
        RandomIds.IsWellFormed(taskId)
        && await tables.State.FindAsync(Tables.EnvironmentKey(host.TenantId, host.EnvironmentId), BackupRows.TaskPrefix + taskId, ct) is { } row
        && row.GetString("HostId") == host.HostId && BackupRows.StateOf(row) == VolumeTaskState.Running
            ? row
            : null;
}
