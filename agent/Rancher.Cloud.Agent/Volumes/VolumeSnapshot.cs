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
            // Each post hook runs once its container's pre hook has (or when it has none), whatever failed after.
            var ready = new List<ContainerListResponse>();
            try
            {
                foreach (var container in hooked)
                {
                    if (container.Labels.ContainsKey(BackupHooks.Pre))
                    {
                        await HookAsync(docker, container, BackupHooks.Pre, ct);
                    }
                    ready.Add(container);
                }
                await CopyAsync(mountpoint, copy, ct);
            }
            finally
            {
                foreach (var container in ready.Where(c => c.Labels.ContainsKey(BackupHooks.Post)))
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
            foreach (var container in users.Where(c => c.State != "paused"))
            {
                await docker.Containers.PauseContainerAsync(container.ID, ct);
                paused.Add(container.ID);
            }
            await CopyAsync(mountpoint, copy, ct);
        }
        finally
        {
            // Unpaused whatever happened, even when the backup is being cancelled; one refusal does not keep the others paused.
            foreach (var id in paused)
            {
                try
                {
                    await docker.Containers.UnpauseContainerAsync(id, CancellationToken.None);
                }
                catch (DockerApiException)
                {
                    // Gone or already running: nothing is left paused.
                }
            }
        }
        return new VolumeSnapshot(copy, "paused", watch.ElapsedMilliseconds, owned: true);
    }

    /// <summary>
    /// Unpauses the platform's containers an agent that died mid-copy left paused: run when the
    /// agent starts, before any task (nothing else pauses them).
    /// </summary>
    public static async Task UnpauseLeftAsync(IDockerClient docker, Microsoft.Extensions.Logging.ILogger log, CancellationToken ct)
    {
        var paused = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["status"] = new Dictionary<string, bool> { ["paused"] = true },
                ["label"] = new Dictionary<string, bool> { [Labels.Instance] = true },
            },
        }, ct);
        foreach (var container in paused)
        {
            Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(log, "Unpausing {Container}, left paused by a backup that did not finish", container.ID[..12]);
            await docker.Containers.UnpauseContainerAsync(container.ID, ct);
        }
    }

    /// <summary>A hook that hangs must not hold the host's tasks, nor its service paused in its own way, for ever.</summary>
    private static readonly TimeSpan HookTimeout = TimeSpan.FromMinutes(15);

    private static async Task HookAsync(IDockerClient docker, ContainerListResponse container, string label, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(HookTimeout);
        long exit;
        string output;
        try
        {
            (exit, output) = await ContainerExec.RunAsync(docker, container.ID, ["sh", "-c", container.Labels[label]], limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new InvalidOperationException($"the {(label == BackupHooks.Pre ? "pre" : "post")}-backup hook did not finish within {HookTimeout.TotalMinutes:0} minutes");
        }
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
