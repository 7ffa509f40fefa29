using CliWrap;
using Docker.DotNet;
using Docker.DotNet.Models;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Volumes;

/// <summary>
/// A consistent copy of a volume's content for a backup to read. The service's pre/post hooks
/// (container labels) bracket the copy when it has them; otherwise its running containers are
/// paused for the copy only, and the pause is timed. A volume nothing runs on is read in place.
/// </summary>
public sealed class VolumeSnapshot : IAsyncDisposable
{
    private readonly bool owned;

    private VolumeSnapshot(string path, string consistency, long pausedMs, bool owned)
    {
        (Path, Consistency, PausedMs, this.owned) = (path, consistency, pausedMs, owned);
    }

    /// <summary>Where the copy is.</summary>
    public string Path { get; }

    /// <summary><c>hooks</c>, <c>paused</c> or <c>idle</c>.</summary>
    public string Consistency { get; }

    public long PausedMs { get; }

    public static async Task<VolumeSnapshot> TakeAsync(IDockerClient docker, string volume, string mountpoint, CancellationToken ct)
    {
        var users = await VolumeUsers.RunningAsync(docker, volume, ct);
        if (users.Count == 0)
        {
            return new VolumeSnapshot(mountpoint, "idle", 0, owned: false);
        }
        // Beside the volume's content, on its file system: a reflink copy where the file system has them.
        var copy = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(mountpoint)!, "rancher-snapshot");
        await RemoveAsync(copy);
        var hooked = users.Where(c => c.Labels?.ContainsKey(BackupHooks.Pre) == true || c.Labels?.ContainsKey(BackupHooks.Post) == true).ToList();
        if (hooked.Count > 0)
        {
            foreach (var container in hooked.Where(c => c.Labels.ContainsKey(BackupHooks.Pre)))
            {
                await HookAsync(docker, container, BackupHooks.Pre, ct);
            }
            try
            {
                await CopyAsync(mountpoint, copy, ct);
            }
            finally
            {
                foreach (var container in hooked.Where(c => c.Labels.ContainsKey(BackupHooks.Post)))
                {
                    await HookAsync(docker, container, BackupHooks.Post, CancellationToken.None);
                }
            }
            return new VolumeSnapshot(copy, "hooks", 0, owned: true);
        }
        var paused = new List<string>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            foreach (var container in users)
            {
                await docker.Containers.PauseContainerAsync(container.ID, ct);
                paused.Add(container.ID);
            }
            await CopyAsync(mountpoint, copy, ct);
        }
        finally
        {
            // Unpaused whatever happened, even when the backup is being cancelled.
            foreach (var id in paused)
            {
                await docker.Containers.UnpauseContainerAsync(id, CancellationToken.None);
            }
        }
        return new VolumeSnapshot(copy, "paused", watch.ElapsedMilliseconds, owned: true);
    }

    private static async Task HookAsync(IDockerClient docker, ContainerListResponse container, string label, CancellationToken ct)
    {
        var (exit, output) = await ContainerExec.RunAsync(docker, container.ID, ["sh", "-c", container.Labels[label]], ct);
        if (exit != 0)
        {
            var name = container.Names.FirstOrDefault()?.TrimStart('/') ?? container.ID[..12];
            throw new InvalidOperationException($"the {(label == BackupHooks.Pre ? "pre" : "post")}-backup hook in {name} exited with {exit}: {output.Trim()[..Math.Min(500, output.Trim().Length)]}");
        }
    }

    private static async Task CopyAsync(string from, string to, CancellationToken ct)
    {
        Directory.CreateDirectory(to);
        var errors = new System.Text.StringBuilder();
        var result = await Cli.Wrap("cp").WithArguments(["-a", "--reflink=auto", $"{from}/.", $"{to}/"])
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(errors))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(ct);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"copying the volume failed: {errors.ToString().Trim()}");
        }
    }

    internal static async Task RemoveAsync(string path)
    {
        if (Directory.Exists(path))
        {
            // rm rather than Directory.Delete: it does not follow symbolic links the volume's owner left inside.
            await Cli.Wrap("rm").WithArguments(["-rf", "--one-file-system", path]).WithValidation(CommandResultValidation.None).ExecuteAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (owned)
        {
            await RemoveAsync(Path);
        }
    }
}
