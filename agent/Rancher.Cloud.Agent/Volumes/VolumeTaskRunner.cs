using Docker.DotNet;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.Backups;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Volumes;

/// <summary>
/// Takes up the host's volume tasks, one at a time beside the converge loop: each pass of the loop
/// asks for the host's tasks and starts the next when none runs. A task interrupted by a restart is
/// listed again and run again (a backup then uploads only the chunks it had not).
/// </summary>
public sealed class VolumeTaskRunner(ControlPlaneClient controlPlane, IDockerClient docker, VolumeSizes sizes, TimeProvider clock, ILogger<VolumeTaskRunner> log)
{
    private Task? running;
    private bool recovered;
    private string? runningId;

    /// <summary>Results the control plane has not taken yet, sent again on the next pass.</summary>
    private readonly Dictionary<string, VolumeTaskResult> unsent = new(StringComparer.Ordinal);

    public async Task PollAsync(CancellationToken ct)
    {
        if (running is { IsCompleted: false })
        {
            return;
        }
        if (!recovered)
        {
            await VolumeSnapshot.UnpauseLeftAsync(docker, log, ct);
            recovered = true;
        }
        foreach (var (id, result) in unsent.ToList())
        {
            try
            {
                await controlPlane.TaskResultAsync(id, result, ct);
                unsent.Remove(id);
            }
            catch (HttpRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                unsent.Remove(id); // taken already (its answer was lost), or the task is gone
            }
        }
        var next = (await controlPlane.TasksAsync(ct)).FirstOrDefault();
        if (next is null)
        {
            return;
        }
        runningId = next.Id;
        running = Task.Run(() => RunAsync(next, ct), ct);
    }

    /// <summary>The id of the task running now, if any.</summary>
    public string? Running => running is { IsCompleted: false } ? runningId : null;

    private async Task RunAsync(VolumeTask task, CancellationToken ct)
    {
        log.LogInformation("Volume task {TaskId}: {Kind} of volume {Volume} (backup {BackupId})", task.Id, task.Kind, task.Volume, task.BackupId);
        VolumeTaskResult result;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            if (task.Kind == VolumeTaskKinds.Remove)
            {
                // Reads and writes no backup: it is given neither key nor container.
                result = await VolumeUsers.RemoveAsync(docker, task.Volume, ct);
            }
            else
            {
                result = await BackupTaskAsync(task, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return; // the agent is stopping: the task stays running and is taken up again
        }
        catch (Exception e)
        {
            log.LogWarning("Volume task {TaskId} failed: {Error}", task.Id, e.Message);
            result = new VolumeTaskResult(false, Trimmed(e switch
            {
                Azure.RequestFailedException { Status: > 0 } storage => $"the backup storage answered {storage.Status}: {storage.ErrorCode ?? storage.Message}",
                Azure.RequestFailedException or AggregateException or HttpRequestException => $"the backup storage is unreachable: {e.Message}",
                _ => e.Message,
            }));
        }
        sizes.Stale(); // a restore or removal made or removed a volume
        log.LogInformation("Volume task {TaskId} ended in {Seconds:0.0} s: {Outcome}", task.Id, watch.Elapsed.TotalSeconds, result.Succeeded ? "done" : result.Error);
        try
        {
            await controlPlane.TaskResultAsync(task.Id, result, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogWarning("Reporting volume task {TaskId} failed, retrying on the next pass: {Error}", task.Id, e.Message);
            unsent[task.Id] = result;
        }
    }

    private async Task<VolumeTaskResult> BackupTaskAsync(VolumeTask task, CancellationToken ct)
    {
        var keys = BackupKeys.From(Convert.FromBase64String(task.DataKey));
        var container = new BackupContainer(task.Container);
        await using var progress = new TaskProgress(p => SendProgressAsync(task.Id, p, ct));
        return task.Kind switch
        {
            VolumeTaskKinds.Backup => await BackUpAsync(task, container, keys, progress, ct),
            VolumeTaskKinds.Restore => await VolumeRestore.RunAsync(docker, task, new BackupReader(container, keys), progress, ct),
            VolumeTaskKinds.Verify => await new BackupReader(container, keys).VerifyAsync(task.BackupId, progress, ct),
            _ => new VolumeTaskResult(false, $"this agent does not know '{task.Kind}' tasks; upgrade it"),
        };
    }

    private async Task<VolumeTaskResult> BackUpAsync(VolumeTask task, BackupContainer container, BackupKeys keys, TaskProgress progress, CancellationToken ct)
    {
        if (await VolumeUsers.InspectAsync(docker, task.Volume, ct) is not { } volume)
        {
            return new VolumeTaskResult(false, $"volume '{task.Volume}' is not on this host");
        }
        var takenAt = clock.GetUtcNow();
        await using var snapshot = await VolumeSnapshot.TakeAsync(docker, task.Volume, volume.Mountpoint, ct);
        return await new BackupWriter(container, keys, progress).WriteAsync(task.BackupId, task.Volume, snapshot, takenAt, ct);
    }

    private async Task SendProgressAsync(string taskId, VolumeTaskProgress progress, CancellationToken ct)
    {
        try
        {
            await controlPlane.TaskProgressAsync(taskId, progress, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Progress is a courtesy: the work goes on without it.
            log.LogDebug("Progress of {TaskId} not sent: {Error}", taskId, e.Message);
        }
    }

    private static string Trimmed(string error) =>
        error.Length > VolumeTaskResult.MaxErrorLength ? error[..VolumeTaskResult.MaxErrorLength] : error;
}
