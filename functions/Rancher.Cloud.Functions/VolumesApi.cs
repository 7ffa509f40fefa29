using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.ControlPlane.Volumes;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Functions;

/// <summary>
/// Volumes of an environment and their backups.
/// GET    v1/environments/{envId}/volumes
/// GET    v1/environments/{envId}/volumes/{volumeId}
/// DELETE v1/environments/{envId}/volumes/{volumeId}
/// POST   v1/environments/{envId}/volumes/{volumeId}/backups
/// GET    v1/environments/{envId}/volumes/{volumeId}/backups
/// GET    v1/environments/{envId}/backups
/// GET    v1/environments/{envId}/backups/{backupId}
/// DELETE v1/environments/{envId}/backups/{backupId}
/// POST   v1/environments/{envId}/backups/{backupId}/restore
/// POST   v1/environments/{envId}/backups/{backupId}/verify
/// GET    v1/environments/{envId}/volumeTasks/{taskId}
/// </summary>
public sealed class VolumesApi(VolumesService volumes)
{
    private const string Volumes = "api/v1/environments/{envId}/volumes";
    private const string Volume = Volumes + "/{volumeId}";
    private const string Backups = "api/v1/environments/{envId}/backups";
    private const string Backup = Backups + "/{backupId}";

    [Function(nameof(ListVolumes))]
    [Access(Audience.Tenant)]
    [Operation("List the environment's named volumes: host, size, the services that mount each", Response = typeof(Page<VolumeView>), Paged = true)]
    public async Task<IResult> ListVolumes(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Volumes)] HttpRequest req, string envId, CancellationToken ct) =>
        ApiResults.Page(await volumes.ListAsync(req.Tenant(), envId, ct), req);

    [Function(nameof(GetVolume))]
    [Access(Audience.Tenant)]
    [Operation("Read a volume", Response = typeof(VolumeView))]
    public async Task<IResult> GetVolume(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Volume)] HttpRequest req, string envId, string volumeId, CancellationToken ct) =>
        ApiResults.Ok(await volumes.GetAsync(req.Tenant(), envId, volumeId, ct));

    [Function(nameof(DeleteVolume))]
    [Access(Audience.Tenant)]
    [Operation("Remove a volume nothing mounts (its backups stay); answers the removal task", Response = typeof(VolumeTaskView), Status = 202)]
    public async Task<IResult> DeleteVolume(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Volume)] HttpRequest req, string envId, string volumeId, CancellationToken ct) =>
        ApiResults.Accepted(await volumes.DeleteAsync(req.Tenant(), envId, volumeId, ct));

    [Function(nameof(BackUpVolume))]
    [Access(Audience.Tenant)]
    [Operation("Back up a volume: a consistent copy, uploaded in encrypted chunks by its host; answers the backup, which shows its progress", Response = typeof(VolumeTaskView), Status = 202)]
    public async Task<IResult> BackUpVolume(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Volume + "/backups")] HttpRequest req, string envId, string volumeId, CancellationToken ct) =>
        ApiResults.Accepted(await volumes.BackUpAsync(req.Tenant(), envId, volumeId, ct));

    [Function(nameof(ListVolumeBackups))]
    [Access(Audience.Tenant)]
    [Operation("List a volume's backups, newest first", Response = typeof(Page<VolumeTaskView>), Paged = true)]
    public async Task<IResult> ListVolumeBackups(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Volume + "/backups")] HttpRequest req, string envId, string volumeId, CancellationToken ct) =>
        ApiResults.Page(await volumes.BackupsAsync(req.Tenant(), envId, volumeId, ct), req);

    [Function(nameof(ListBackups))]
    [Access(Audience.Tenant)]
    [Operation("List the environment's backups, newest first", Response = typeof(Page<VolumeTaskView>), Paged = true)]
    public async Task<IResult> ListBackups(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Backups)] HttpRequest req, string envId, CancellationToken ct) =>
        ApiResults.Page(await volumes.BackupsAsync(req.Tenant(), envId, null, ct), req);

    [Function(nameof(GetBackup))]
    [Access(Audience.Tenant)]
    [Operation("Read a backup: its state, progress while it runs, and its figures", Response = typeof(VolumeTaskView))]
    public async Task<IResult> GetBackup(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Backup)] HttpRequest req, string envId, string backupId, CancellationToken ct) =>
        ApiResults.Ok(await volumes.TaskAsync(req.Tenant(), envId, backupId, VolumeTaskKinds.Backup, ct));

    [Function(nameof(DeleteBackup))]
    [Access(Audience.Tenant)]
    [Operation("Delete a backup, and the chunks no other backup uses", Status = 204)]
    public async Task<IResult> DeleteBackup(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Backup)] HttpRequest req, string envId, string backupId, CancellationToken ct) =>
        ApiResults.From(await volumes.DeleteBackupAsync(req.Tenant(), envId, backupId, ct), _ => Results.NoContent());

    [Function(nameof(RestoreBackup))]
    [Access(Audience.Tenant)]
    [Operation("Restore a backup into a new volume on any host (or over an unused one, with replace)", Body = typeof(RestoreRequest), Response = typeof(VolumeTaskView), Status = 202)]
    public async Task<IResult> RestoreBackup(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Backup + "/restore")] HttpRequest req, string envId, string backupId, CancellationToken ct) =>
        await ApiResults.AcceptedAsync(req, (RestoreRequest b) => volumes.RestoreAsync(req.Tenant(), envId, backupId, b, ct), ct);

    [Function(nameof(VerifyBackup))]
    [Access(Audience.Tenant)]
    [Operation("Re-read every chunk of a backup on a host (?hostId=, else the backup's own) and check each", Response = typeof(VolumeTaskView), Status = 202)]
    public async Task<IResult> VerifyBackup(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Backup + "/verify")] HttpRequest req, string envId, string backupId, CancellationToken ct) =>
        ApiResults.Accepted(await volumes.VerifyAsync(req.Tenant(), envId, backupId, new VerifyRequest(req.Query["hostId"].ToString() is { Length: > 0 } host ? host : null), ct));

    [Function(nameof(GetVolumeTask))]
    [Access(Audience.Tenant)]
    [Operation("Read a backup, restore or verification by id: its state and progress", Response = typeof(VolumeTaskView))]
    public async Task<IResult> GetVolumeTask(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/environments/{envId}/volumeTasks/{taskId}")] HttpRequest req, string envId, string taskId, CancellationToken ct) =>
        ApiResults.Ok(await volumes.TaskAsync(req.Tenant(), envId, taskId, null, ct));
}
