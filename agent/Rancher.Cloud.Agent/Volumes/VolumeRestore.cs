using CliWrap;
using Docker.DotNet;
using Docker.DotNet.Models;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Volumes;

/// <summary>
/// Restores a backup into a volume: a new one (made with a label naming the backup), or an existing
/// one nothing runs on when the task says replace. The archive is unpacked beside the volume's
/// content and swapped in only when whole and checked, so a failed restore leaves the volume as it was.
/// </summary>
public static class VolumeRestore
{
    /// <summary>On a volume made by a restore: the backup it came from (and what lists it as the platform's).</summary>
    public const string RestoredFromLabel = Labels.Prefix + "restored-from";

    /// <summary>On a volume made by a restore: the task that made it, so the same task after a restart starts it over.</summary>
    public const string RestoreTaskLabel = Labels.Prefix + "restore-task";

    public static async Task<VolumeTaskResult> RunAsync(IDockerClient docker, VolumeTask task, BackupReader reader, TaskProgress progress, CancellationToken ct)
    {
        var manifest = await reader.ManifestAsync(task.BackupId, ct);
        progress.Total = manifest.Size;
        var existing = await VolumeUsers.InspectAsync(docker, task.Volume, ct);
        if (existing is not null)
        {
            var left = Path.Combine(Path.GetDirectoryName(existing.Mountpoint)!, "rancher-replaced");
            if (!Directory.Exists(existing.Mountpoint) && Directory.Exists(left))
            {
                // A swap cut short by a crash: the previous content goes back before anything else.
                Directory.Move(left, existing.Mountpoint);
            }
            if (existing.Labels is { } labels && labels.TryGetValue(RestoreTaskLabel, out var madeBy) && madeBy == task.Id && !task.Replace)
            {
                // Made by this very task before the agent restarted: made anew.
                await docker.Volumes.RemoveAsync(task.Volume, force: false, ct);
                existing = null;
            }
        }
        if (existing is not null && !task.Replace)
        {
            throw new InvalidOperationException($"volume '{task.Volume}' exists on this host; restore into another name, or replace its content");
        }
        if (existing is not null && (await VolumeUsers.RunningAsync(docker, task.Volume, ct)).Count > 0)
        {
            throw new InvalidOperationException($"volume '{task.Volume}' is in use by a running container");
        }
        var volume = existing ?? await docker.Volumes.CreateAsync(new VolumesCreateParameters
        {
            Name = task.Volume,
            Labels = new Dictionary<string, string>((IDictionary<string, string>?)task.Labels ?? new Dictionary<string, string>())
            {
                [RestoredFromLabel] = task.BackupId,
                [RestoreTaskLabel] = task.Id,
            },
        }, ct);
        var parent = Path.GetDirectoryName(volume.Mountpoint)!;
        var staging = Path.Combine(parent, "rancher-restore");
        await VolumeSnapshot.RemoveAsync(staging);
        Directory.CreateDirectory(staging);
        try
        {
            var errors = new System.Text.StringBuilder();
            var result = await Cli.Wrap("tar")
                .WithArguments(["--extract", "--file=-", "--numeric-owner", "--same-owner", "--same-permissions", "--directory", staging])
                .WithStandardInputPipe(PipeSource.Create(async (stdin, token) =>
                {
                    await foreach (var chunk in reader.ChunksAsync(manifest, token))
                    {
                        using var _ = chunk;
                        await stdin.WriteAsync(chunk.Memory, token);
                        progress.ChunkDone(chunk.Length);
                    }
                }))
                .WithStandardErrorPipe(PipeTarget.ToStringBuilder(errors))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(ct);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"unpacking the backup failed: {errors.ToString().Trim()}");
            }
            if ((await VolumeUsers.RunningAsync(docker, task.Volume, ct)).Count > 0)
            {
                throw new InvalidOperationException($"volume '{task.Volume}' was started on while the backup was unpacked; it is left as it was");
            }
            // Whole and checked: swap it in.
            var replaced = Path.Combine(parent, "rancher-replaced");
            await VolumeSnapshot.RemoveAsync(replaced);
            Directory.Move(volume.Mountpoint, replaced);
            Directory.Move(staging, volume.Mountpoint);
            await VolumeSnapshot.RemoveAsync(replaced);
            return new VolumeTaskResult(true, null) { Size = manifest.Size, Chunks = manifest.Chunks.Count };
        }
        catch
        {
            await VolumeSnapshot.RemoveAsync(staging);
            if (existing is null)
            {
                await docker.Volumes.RemoveAsync(task.Volume, force: false, CancellationToken.None);
            }
            throw;
        }
    }
}
