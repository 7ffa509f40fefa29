using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.ControlPlane.Volumes;

namespace Rancher.Cloud.Functions;

/// <summary>
/// Backup schedules of an environment, and the timer that runs them.
/// POST   v1/environments/{envId}/backupSchedules
/// GET    v1/environments/{envId}/backupSchedules
/// GET    v1/environments/{envId}/backupSchedules/{scheduleId}
/// DELETE v1/environments/{envId}/backupSchedules/{scheduleId}
/// </summary>
public sealed class BackupSchedulesApi(BackupSchedulesService schedules)
{
    private const string Collection = "api/v1/environments/{envId}/backupSchedules";
    private const string Item = Collection + "/{scheduleId}";

    [Function(nameof(CreateBackupSchedule))]
    [Access(Audience.Tenant)]
    [Operation("Back up a volume, or a service's named volumes, on a cron schedule in a time zone, keeping the newest N and none older than D days", Body = typeof(BackupScheduleRequest), Response = typeof(BackupScheduleView), Status = 201)]
    public async Task<IResult> CreateBackupSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Collection)] HttpRequest req, string envId, CancellationToken ct) =>
        await ApiResults.CreatedAsync(req, (BackupScheduleRequest b) => schedules.CreateAsync(req.Tenant(), envId, b, ct), ct);

    [Function(nameof(ListBackupSchedules))]
    [Access(Audience.Tenant)]
    [Operation("List the environment's backup schedules", Response = typeof(Page<BackupScheduleView>), Paged = true)]
    public async Task<IResult> ListBackupSchedules(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Collection)] HttpRequest req, string envId, CancellationToken ct) =>
        ApiResults.Page(await schedules.ListAsync(req.Tenant(), envId, ct), req);

    [Function(nameof(GetBackupSchedule))]
    [Access(Audience.Tenant)]
    [Operation("Read a backup schedule: its next run, and what its last run did", Response = typeof(BackupScheduleView))]
    public async Task<IResult> GetBackupSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Item)] HttpRequest req, string envId, string scheduleId, CancellationToken ct) =>
        ApiResults.Ok(await schedules.GetAsync(req.Tenant(), envId, scheduleId, ct));

    [Function(nameof(DeleteBackupSchedule))]
    [Access(Audience.Tenant)]
    [Operation("Delete a backup schedule; the backups it made stay until deleted", Status = 204)]
    public async Task<IResult> DeleteBackupSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Item)] HttpRequest req, string envId, string scheduleId, CancellationToken ct) =>
        ApiResults.From(await schedules.DeleteAsync(req.Tenant(), envId, scheduleId, ct), _ => Results.NoContent());

    [Function(nameof(RunBackupSchedules))]
    public async Task RunBackupSchedules([TimerTrigger("0 * * * * *")] TimerInfo timer, CancellationToken ct) =>
        await schedules.RunAllDueAsync(ct);
}
