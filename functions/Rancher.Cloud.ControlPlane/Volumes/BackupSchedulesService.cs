using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Volumes;

namespace Rancher.Cloud.ControlPlane.Volumes;

/// <summary>
/// Backup schedules of a volume, or of every named volume a service mounts: a cron in a time zone,
/// and retention by count and by age. A timer runs the ones due and deletes what their retention expires.
/// </summary>
public sealed class BackupSchedulesService(
    Tables tables, EnvironmentsService environments, ServicesService services, VolumeCatalog catalog, VolumesService volumes,
    BackupSweep sweep, IIdGenerator ids, TimeProvider clock, ILogger<BackupSchedulesService> log)
{
    public const string Prefix = BackupRows.Prefix + "sched~";

    /// <summary>Schedules one environment may hold.</summary>
    public const int MaxPerEnvironment = 100;

    public async Task<Outcome<BackupScheduleView>> CreateAsync(TenantCaller caller, string environmentId, BackupScheduleRequest request, CancellationToken ct)
    {
        if ((await environments.GetAsync(caller, environmentId, ct)).Failure is { } missing)
        {
            return missing;
        }
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        var errors = new FieldErrors();
        var schedule = BackupSchedule.Check(new BackupScheduleDraft(request.Cron, request.TimeZone, request.KeepLast, request.KeepDays), errors);
        if ((request.VolumeId is null) == (request.ServiceId is null))
        {
            errors.Add("volumeId", "name one volume (volumeId) or one service (serviceId), whose named volumes are backed up");
        }
        else if (request.VolumeId is { } volumeId && (!RandomIds.IsWellFormed(volumeId) || await catalog.FindAsync(partition, volumeId, ct) is null))
        {
            errors.Add("volumeId", $"'{volumeId}' is not a volume of this environment");
        }
        else if (request.ServiceId is { } serviceId && (!RandomIds.IsWellFormed(serviceId) || (await services.GetAsync(caller, environmentId, serviceId, ct)).Failure is not null))
        {
            errors.Add("serviceId", $"'{serviceId}' is not a service of this environment");
        }
        if (schedule is not null && schedule.NextAfter(clock.GetUtcNow()) is null)
        {
            errors.Add("cron", $"'{schedule.Cron}' never comes (a day that does not exist in any month named)");
        }
        if (!errors.IsEmpty || schedule is null)
        {
            return Failure.Invalid(errors);
        }
        if ((await RowsAsync(partition, ct)).Count >= MaxPerEnvironment)
        {
            return Failure.Conflict($"An environment holds at most {MaxPerEnvironment} backup schedules; delete one first.");
        }
        var now = clock.GetUtcNow();
        var row = new TableEntity(partition, Prefix + ids.NewId('s'))
        {
            ["VolumeId"] = request.VolumeId,
            ["ServiceId"] = request.ServiceId,
            ["Cron"] = schedule.Cron,
            ["TimeZone"] = schedule.TimeZone,
            ["KeepLast"] = schedule.KeepLast,
            ["KeepDays"] = schedule.KeepDays,
            ["NextRunAt"] = schedule.NextAfter(now),
            ["CreatedAt"] = now,
        };
        await tables.State.AddEntityAsync(row, ct);
        return ToView(row);
    }

    public async Task<Outcome<Environments.Page<BackupScheduleView>>> ListAsync(TenantCaller caller, string environmentId, CancellationToken ct) =>
        (await environments.GetAsync(caller, environmentId, ct)).Failure is { } missing
            ? missing
            : new Environments.Page<BackupScheduleView>((await RowsAsync(Tables.EnvironmentKey(caller.TenantId, environmentId), ct)).Select(ToView).ToList());

    public async Task<Outcome<BackupScheduleView>> GetAsync(TenantCaller caller, string environmentId, string scheduleId, CancellationToken ct) =>
        await RowAsync(caller, environmentId, scheduleId, ct) is { } row ? ToView(row) : Failure.NotFound("The backup schedule");

    /// <summary>Deletes a schedule; the backups it made stay, without retention, until deleted.</summary>
    public async Task<Outcome<bool>> DeleteAsync(TenantCaller caller, string environmentId, string scheduleId, CancellationToken ct)
    {
        if (await RowAsync(caller, environmentId, scheduleId, ct) is not { } row)
        {
            return Failure.NotFound("The backup schedule");
        }
        await tables.State.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, ct);
        return true;
    }

    /// <summary>Runs every environment's due schedules; one environment's failure does not hold up the others.</summary>
    public async Task RunAllDueAsync(CancellationToken ct)
    {
        await foreach (var (tenantId, environmentId) in environments.AllAsync(ct))
        {
            try
            {
                await RunDueAsync(tenantId, environmentId, ct);
                await sweep.SweepIfPendingAsync(tenantId, Tables.EnvironmentKey(tenantId, environmentId), ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                log.LogWarning("Backup schedules of environment {EnvironmentId} failed, retried next minute: {Error}", environmentId, e.Message);
            }
        }
    }

    /// <summary>
    /// Runs the environment's schedules that are due (each claimed by moving its next run on, under
    /// its ETag, so two timers never run one twice), then deletes the backups their retention expires.
    /// </summary>
    public async Task RunDueAsync(string tenantId, string environmentId, CancellationToken ct)
    {
        var partition = Tables.EnvironmentKey(tenantId, environmentId);
        var schedules = await RowsAsync(partition, ct);
        if (schedules.Count == 0)
        {
            return;
        }
        var now = clock.GetUtcNow();
        foreach (var row in schedules.Where(r => r.GetDateTimeOffset("NextRunAt") is { } at && at <= now))
        {
            var schedule = ScheduleOf(row);
            var claim = new TableEntity(partition, row.RowKey) { ["NextRunAt"] = schedule.NextAfter(now), ["LastRunAt"] = now };
            try
            {
                await tables.State.UpdateEntityAsync(claim, row.ETag, TableUpdateMode.Merge, ct);
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
                continue; // another timer ran it, or it was deleted
            }
            var outcome = new List<string>();
            foreach (var volume in await TargetsAsync(partition, row, ct))
            {
                var started = await volumes.StartAsync(tenantId, environmentId, partition, VolumeTaskKinds.Backup, volume, null, ct, scheduleId: IdOf(row));
                outcome.Add(started.Failure is { } refused ? $"{volume.Name}: {refused.Detail}" : $"{volume.Name}: backup {started.Value!.Id}");
            }
            var said = outcome.Count == 0 ? "no volume to back up: the volume is gone, or the service mounts no named volume on an active host" : string.Join("; ", outcome);
            await tables.State.UpdateEntityAsync(new TableEntity(partition, row.RowKey) { ["LastOutcome"] = said.Length > 1000 ? said[..1000] : said }, ETag.All, TableUpdateMode.Merge, ct);
        }
        await ExpireAsync(tenantId, partition, schedules, now, ct);
    }

    /// <summary>
    /// Each schedule's completed backups of each volume beyond its retention are deleted, and their
    /// chunks no other backup needs. A backup being restored or verified waits for the next pass.
    /// </summary>
    private async Task ExpireAsync(string tenantId, string partition, List<TableEntity> schedules, DateTimeOffset now, CancellationToken ct)
    {
        var rows = await volumes.TaskRowsAsync(partition, ct);
        var beingRead = rows.Where(r => r.GetString("Kind") != VolumeTaskKinds.Backup && VolumeTaskState.IsActive(BackupRows.StateOf(r)))
            .Select(r => r.GetString("BackupId")).ToHashSet(StringComparer.Ordinal);
        var backups = rows
            .Where(r => r.GetString("Kind") == VolumeTaskKinds.Backup && BackupRows.StateOf(r) == VolumeTaskState.Completed && r.GetString("ScheduleId") is not null)
            .ToLookup(r => r.GetString("ScheduleId"), StringComparer.Ordinal);
        var expired = schedules
            .SelectMany(s => backups[IdOf(s)]
                .GroupBy(b => b.GetString("VolumeId"), StringComparer.Ordinal)
                .SelectMany(ofVolume => BackupRetention.Expired(
                    ofVolume.Select(b => new KeptBackup(BackupRows.IdOf(b), b.GetDateTimeOffset("CreatedAt") ?? now)), ScheduleOf(s), now)))
            .Where(id => !beingRead.Contains(id))
            .ToList();
        if (expired.Count > 0)
        {
            log.LogInformation("Environment {Partition}: {Count} backups expired by their schedules' retention", partition, expired.Count);
            await sweep.DeleteBackupsAsync(tenantId, partition, expired, ct, "expired by its schedule's retention");
        }
    }

    /// <summary>The volumes a schedule backs up now: its volume, or the named volumes the service's instances mount, wherever they run.</summary>
    private async Task<List<VolumeRef>> TargetsAsync(string partition, TableEntity row, CancellationToken ct)
    {
        var all = await catalog.ListAsync(partition, ct);
        if (row.GetString("VolumeId") is { } volumeId)
        {
            return all.Where(v => v.Id == volumeId && v.HostState == "active").Select(v => v.Ref).ToList();
        }
        var spec = (await services.ServicesAsync(partition, ct)).FirstOrDefault(s => s.Id == row.GetString("ServiceId"))?.Spec;
        return spec is null ? [] : all.Where(v => v.HostState == "active" && v.Services.Contains(spec.QualifiedName)).Select(v => v.Ref).ToList();
    }

    private static BackupSchedule ScheduleOf(TableEntity row) =>
        new(row.GetString("Cron"), row.GetString("TimeZone"), row.GetInt32("KeepLast") ?? BackupSchedule.MaxKeepLast, row.GetInt32("KeepDays") ?? BackupSchedule.MaxKeepDays);

    private static string IdOf(TableEntity row) => row.RowKey[Prefix.Length..];

    private static BackupScheduleView ToView(TableEntity row) => new(
        IdOf(row), row.GetString("VolumeId"), row.GetString("ServiceId"), row.GetString("Cron"), row.GetString("TimeZone"),
        row.GetInt32("KeepLast") ?? 0, row.GetInt32("KeepDays") ?? 0, row.GetDateTimeOffset("NextRunAt"))
    {
        LastRunAt = row.GetDateTimeOffset("LastRunAt"),
        LastOutcome = row.GetString("LastOutcome"),
    };

    private async Task<TableEntity?> RowAsync(TenantCaller caller, string environmentId, string scheduleId, CancellationToken ct) =>
        RandomIds.IsWellFormed(scheduleId) && (await environments.GetAsync(caller, environmentId, ct)).Failure is null
            ? await tables.State.FindAsync(Tables.EnvironmentKey(caller.TenantId, environmentId), Prefix + scheduleId, ct)
            : null;

    private Task<List<TableEntity>> RowsAsync(string partition, CancellationToken ct) => tables.State.WithPrefixAsync(partition, Prefix, ct);
}

/// <summary>A schedule as the API receives it: one target (a volume, or a service's named volumes), when, and how long its backups are kept.</summary>
public sealed record BackupScheduleRequest(string? VolumeId, string? ServiceId, string? Cron, string? TimeZone, int? KeepLast, int? KeepDays);

/// <summary>A schedule as the API shows it.</summary>
public sealed record BackupScheduleView(
    string Id, string? VolumeId, string? ServiceId, string Cron, string TimeZone, int KeepLast, int KeepDays, DateTimeOffset? NextRunAt)
{
    public DateTimeOffset? LastRunAt { get; init; }

    /// <summary>What the last run started, or why it started nothing.</summary>
    public string? LastOutcome { get; init; }
}
