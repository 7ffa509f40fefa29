using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Signals;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Events;
using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Volumes;

namespace Rancher.Cloud.ControlPlane.Volumes;

/// <summary>
/// Volumes, their backups, restores and verifications, as users ask for them. Each asks the
/// volume's (or the chosen) host's agent through a task row and a signal; the agent does the work.
/// </summary>
public sealed class VolumesService(
    Tables tables, EnvironmentsService environments, VolumeCatalog catalog, BackupDataKeys keys, BackupSweep sweep,
    IAgentSignals signals, IIdGenerator ids, TimeProvider clock)
{
    /// <summary>Tasks one environment may have waiting or running: more is a runaway script, not a backup plan.</summary>
    public const int MaxActiveTasks = 100;

    public async Task<Outcome<Page<VolumeView>>> ListAsync(TenantCaller caller, string environmentId, CancellationToken ct) =>
        await PartitionAsync(caller, environmentId, ct) is { } partition
            ? new Page<VolumeView>(await catalog.ListAsync(partition, ct))
            : Failure.NotFound("The environment");

    public async Task<Outcome<VolumeView>> GetAsync(TenantCaller caller, string environmentId, string volumeId, CancellationToken ct) =>
        await VolumeAsync(caller, environmentId, volumeId, ct) is { } found ? found.Volume : Failure.NotFound("The volume");

    /// <summary>Starts a backup of the volume on its host; answers the backup, pending until the agent takes it.</summary>
    public async Task<Outcome<VolumeTaskView>> BackUpAsync(TenantCaller caller, string environmentId, string volumeId, CancellationToken ct)
    {
        if (await VolumeAsync(caller, environmentId, volumeId, ct) is not var (partition, volume))
        {
            return Failure.NotFound("The volume");
        }
        if (volume.HostState != "active")
        {
            return Failure.Conflict($"The volume's host {volume.HostId} is {volume.HostState}: its agent cannot take a backup now.");
        }
        return await StartAsync(caller.TenantId, environmentId, partition, VolumeTaskKinds.Backup, volume.Ref, null, ct);
    }

    /// <summary>Removes a volume nothing mounts: its host's agent deletes it. Its backups stay.</summary>
    public async Task<Outcome<VolumeTaskView>> DeleteAsync(TenantCaller caller, string environmentId, string volumeId, CancellationToken ct)
    {
        if (await VolumeAsync(caller, environmentId, volumeId, ct) is not var (partition, volume))
        {
            return Failure.NotFound("The volume");
        }
        if (volume.InUse)
        {
            return Failure.Conflict($"Volume '{volume.Name}' is mounted by {string.Join(", ", volume.Services)}; scale them to 0 or delete them first.");
        }
        if (volume.HostState != "active")
        {
            return Failure.Conflict($"The volume's host {volume.HostId} is {volume.HostState}: its agent cannot remove it now.");
        }
        return await StartAsync(caller.TenantId, environmentId, partition, VolumeTaskKinds.Remove, volume.Ref, null, ct);
    }

    public async Task<Outcome<Page<VolumeTaskView>>> BackupsAsync(TenantCaller caller, string environmentId, string? volumeId, CancellationToken ct)
    {
        if (await PartitionAsync(caller, environmentId, ct) is not { } partition)
        {
            return Failure.NotFound("The environment");
        }
        var rows = await TaskRowsAsync(partition, ct);
        // A volume that is gone is still found by its backups.
        if (volumeId is not null && !rows.Any(r => r.GetString("VolumeId") == volumeId)
            && (!RandomIds.IsWellFormed(volumeId) || await catalog.FindAsync(partition, volumeId, ct) is null))
        {
            return Failure.NotFound("The volume");
        }
        var now = clock.GetUtcNow();
        return new Page<VolumeTaskView>(rows
            .Where(r => r.GetString("Kind") == VolumeTaskKinds.Backup && (volumeId is null || r.GetString("VolumeId") == volumeId))
            .Select(r => BackupRows.ToView(r, now))
            .OrderByDescending(v => v.CreatedAt)
            .ToList());
    }

    /// <summary>A backup, restore or verification by id.</summary>
    public async Task<Outcome<VolumeTaskView>> TaskAsync(TenantCaller caller, string environmentId, string taskId, string? kind, CancellationToken ct) =>
        await TaskRowAsync(caller, environmentId, taskId, ct) is { } row && (kind is null || row.GetString("Kind") == kind)
            ? BackupRows.ToView(row, clock.GetUtcNow())
            : Failure.NotFound(kind == VolumeTaskKinds.Backup ? "The backup" : "The task");

    /// <summary>
    /// Restores a completed backup into a volume on any host of the environment: a new volume, or an
    /// existing one only with <c>replace</c> and nothing running on it.
    /// </summary>
    public async Task<Outcome<VolumeTaskView>> RestoreAsync(TenantCaller caller, string environmentId, string backupId, RestoreRequest request, CancellationToken ct)
    {
        if (await CompletedBackupAsync(caller, environmentId, backupId, ct) is not { } backup)
        {
            return Failure.NotFound("The backup");
        }
        if (backup.Failure is { } notDone)
        {
            return notDone;
        }
        var partition = backup.Value!.PartitionKey;
        var hostId = request.HostId ?? backup.Value.GetString("HostId");
        var name = request.Volume ?? backup.Value.GetString("Volume");
        var errors = new FieldErrors();
        if (!Domain.Services.VolumeMount.IsVolumeName(name) || name.Length > 255)
        {
            errors.Add("volume", "volume names are letters, digits, '_', '.' and '-', starting with a letter or digit, at most 255");
        }
        if (!RandomIds.IsWellFormed(hostId) || await tables.State.FindAsync(partition, StateRows.HostPrefix + hostId, ct) is not { } hostRow
            || StateRows.ToHost(hostRow) is var host && host.Mode == HostMode.Removed)
        {
            errors.Add("hostId", $"'{hostId}' is not a host of this environment");
            return Failure.Invalid(errors);
        }
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        if (HostLiveness.StateOf(host, clock.GetUtcNow()) != HostState.Active)
        {
            return Failure.Conflict($"Host {hostId} is not active: its agent cannot restore now.");
        }
        var target = new VolumeRef(VolumeIds.Of(hostId, name), name, hostId);
        var existing = (await catalog.ListAsync(partition, ct)).FirstOrDefault(v => v.Id == target.Id);
        if (existing is { InUse: true })
        {
            return Failure.Conflict($"Volume '{name}' on host {hostId} is in use by {string.Join(", ", existing.Services)}; scale them to 0 (or restore into a new volume) first.");
        }
        if (existing is not null && request.Replace != true)
        {
            return Failure.Conflict($"Volume '{name}' already exists on host {hostId}; restore into a new volume name, or replace its content with \"replace\": true.");
        }
        return await StartAsync(caller.TenantId, environmentId, partition, VolumeTaskKinds.Restore, target, backupId, ct, request.Replace == true);
    }

    /// <summary>Re-reads every chunk of a completed backup on a host (the backup's own, or the one named) and checks each.</summary>
    public async Task<Outcome<VolumeTaskView>> VerifyAsync(TenantCaller caller, string environmentId, string backupId, VerifyRequest request, CancellationToken ct)
    {
        if (await CompletedBackupAsync(caller, environmentId, backupId, ct) is not { } backup)
        {
            return Failure.NotFound("The backup");
        }
        if (backup.Failure is { } notDone)
        {
            return notDone;
        }
        var partition = backup.Value!.PartitionKey;
        var now = clock.GetUtcNow();
        var hosts = (await tables.State.WithPrefixAsync(partition, StateRows.HostPrefix, ct)).Select(StateRows.ToHost);
        var active = hosts.Where(h => HostLiveness.StateOf(h, now) == HostState.Active).ToList();
        var chosen = request.HostId is { } named
            ? active.FirstOrDefault(h => h.Id == named)
            : active.FirstOrDefault(h => h.Id == backup.Value.GetString("HostId")) ?? active.FirstOrDefault();
        if (chosen is null)
        {
            return request.HostId is null
                ? Failure.Conflict("No host of the environment is active to verify the backup on.")
                : Failure.Invalid("hostId", $"'{request.HostId}' is not an active host of this environment");
        }
        var volume = new VolumeRef(backup.Value.GetString("VolumeId"), backup.Value.GetString("Volume"), chosen.Id);
        return await StartAsync(caller.TenantId, environmentId, partition, VolumeTaskKinds.Verify, volume, backupId, ct);
    }

    /// <summary>Deletes a backup that nothing restores or verifies now; the chunks no other backup uses go with it.</summary>
    public async Task<Outcome<bool>> DeleteBackupAsync(TenantCaller caller, string environmentId, string backupId, CancellationToken ct)
    {
        if (await TaskRowAsync(caller, environmentId, backupId, ct) is not { } row || row.GetString("Kind") != VolumeTaskKinds.Backup)
        {
            return Failure.NotFound("The backup");
        }
        if (BackupRows.StateOf(row) is var state && VolumeTaskState.IsActive(state))
        {
            return Failure.Conflict($"The backup is {state}; delete it once it has ended.");
        }
        var users = (await TaskRowsAsync(row.PartitionKey, ct))
            .Where(r => r.GetString("BackupId") == backupId && r.GetString("Kind") != VolumeTaskKinds.Backup && VolumeTaskState.IsActive(BackupRows.StateOf(r)))
            .Select(BackupRows.IdOf)
            .ToList();
        if (users.Count > 0)
        {
            return Failure.Conflict($"The backup is being read by {string.Join(", ", users)}; delete it once they end.");
        }
        await sweep.DeleteBackupsAsync(caller.TenantId, row.PartitionKey, [backupId], ct);
        return true;
    }

    /// <summary>Records a task for the volume's host (with its event) and wakes the host's agent.</summary>
    internal async Task<Outcome<VolumeTaskView>> StartAsync(
        string tenantId, string environmentId, string partition, string kind, VolumeRef volume, string? backupId, CancellationToken ct,
        bool replace = false, string? scheduleId = null)
    {
        if (!keys.Configured)
        {
            return Failure.Conflict("This control plane has no key to encrypt backups with (RancherCloud:DataKeyWrappingKey); ask its operator.");
        }
        var rows = await TaskRowsAsync(partition, ct);
        if (rows.Count(r => VolumeTaskState.IsActive(BackupRows.StateOf(r))) >= MaxActiveTasks)
        {
            return Failure.Conflict($"The environment has {MaxActiveTasks} volume tasks waiting or running; let them end first.");
        }
        var id = ids.NewId(kind == VolumeTaskKinds.Backup ? 'b' : 't');
        var now = clock.GetUtcNow();
        var row = BackupRows.NewTask(partition, id, kind, volume, kind == VolumeTaskKinds.Backup ? id : backupId, now, replace, scheduleId);
        List<TableTransactionAction> actions = [new(TableTransactionActionType.Add, row)];
        if (kind != VolumeTaskKinds.Verify)
        {
            // One task at a time writes a volume (backup, restore, removal): its guard row names the task,
            // and is taken in the task's own transaction, so two asked at once cannot both be recorded.
            var guard = await tables.State.FindAsync(partition, BackupRows.GuardPrefix + volume.Id, ct);
            if (guard is not null && rows.FirstOrDefault(r => BackupRows.IdOf(r) == guard.GetString("TaskId")) is { } holder && VolumeTaskState.IsActive(BackupRows.StateOf(holder)))
            {
                return Failure.Conflict($"Volume '{volume.Name}' on host {volume.HostId} has {holder.GetString("Kind")} {BackupRows.IdOf(holder)} {BackupRows.StateOf(holder)}; wait for it to end.");
            }
            var mine = new TableEntity(partition, BackupRows.GuardPrefix + volume.Id) { ["TaskId"] = id };
            actions.Add(guard is null ? new(TableTransactionActionType.Add, mine) : new(TableTransactionActionType.UpdateReplace, mine, guard.ETag));
        }
        var message = kind switch
        {
            VolumeTaskKinds.Backup => $"Backup {id} of volume '{volume.Name}' on host {volume.HostId} was asked for.",
            VolumeTaskKinds.Remove => $"Removal of volume '{volume.Name}' on host {volume.HostId} was asked for.",
            VolumeTaskKinds.Restore => $"Restore of backup {backupId} into volume '{volume.Name}' on host {volume.HostId}{(replace ? ", replacing its content," : "")} was asked for.",
            _ => $"Verification of backup {backupId} on host {volume.HostId} was asked for.",
        };
        actions.Add(Events.EventRows.Add(partition, new EnvironmentEvent($"{kind}.requested", id, message), now));
        try
        {
            await tables.State.SubmitTransactionAsync(actions, ct);
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
        {
            return Failure.Conflict($"Another task on volume '{volume.Name}' on host {volume.HostId} was asked for at the same moment; wait for it to end.");
        }
        await SignalAsync(tenantId, environmentId, partition, volume.HostId, ct);
        return BackupRows.ToView(row, now);
    }

    /// <summary>Wakes the host's agent: a plan signal for the version it has makes it fetch its tasks at once.</summary>
    private async Task SignalAsync(string tenantId, string environmentId, string partition, string hostId, CancellationToken ct)
    {
        var version = await tables.State.GetEntityIfExistsAsync<TableEntity>(partition, StateRows.PlanPrefix + hostId, ["Version"], ct);
        await signals.SendAsync(new HostAddress(tenantId, environmentId, hostId), new PlanReady(hostId, version.HasValue ? version.Value!.GetInt64("Version") ?? 0 : 0), ct);
    }

    /// <summary>The backup's row; a failure when it has not completed (nothing to restore or verify).</summary>
    private async Task<Outcome<TableEntity>?> CompletedBackupAsync(TenantCaller caller, string environmentId, string backupId, CancellationToken ct)
    {
        if (await TaskRowAsync(caller, environmentId, backupId, ct) is not { } row || row.GetString("Kind") != VolumeTaskKinds.Backup)
        {
            return null;
        }
        return BackupRows.StateOf(row) == VolumeTaskState.Completed
            ? row
            : Failure.Conflict($"Backup {backupId} is {BackupRows.StateOf(row)}: only a completed backup can be restored or verified.");
    }

    private async Task<TableEntity?> TaskRowAsync(TenantCaller caller, string environmentId, string taskId, CancellationToken ct) =>
        RandomIds.IsWellFormed(taskId) && await PartitionAsync(caller, environmentId, ct) is { } partition
            ? await tables.State.FindAsync(partition, BackupRows.TaskPrefix + taskId, ct)
            : null;

    public Task<List<TableEntity>> TaskRowsAsync(string partition, CancellationToken ct) =>
        tables.State.WithPrefixAsync(partition, BackupRows.TaskPrefix, ct);

    private async Task<(string Partition, VolumeView Volume)?> VolumeAsync(TenantCaller caller, string environmentId, string volumeId, CancellationToken ct) =>
        RandomIds.IsWellFormed(volumeId) && await PartitionAsync(caller, environmentId, ct) is { } partition
            && await catalog.FindAsync(partition, volumeId, ct) is { } volume
            ? (partition, volume)
            : null;

    private async Task<string?> PartitionAsync(TenantCaller caller, string environmentId, CancellationToken ct) =>
        (await environments.GetAsync(caller, environmentId, ct)).Failure is null ? Tables.EnvironmentKey(caller.TenantId, environmentId) : null;
}

/// <summary>Where a backup is restored: a host of the environment (the backup's own by default) and a volume name (the backup's by default).</summary>
public sealed record RestoreRequest(string? HostId, string? Volume, bool? Replace);

/// <summary>Where a backup is verified: an active host (the backup's own, or any, by default).</summary>
public sealed record VerifyRequest(string? HostId);
