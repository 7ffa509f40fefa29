namespace Rancher.Cloud.Contracts;

/// <summary>
/// Work on one of the host's volumes that the control plane asks of its agent: back it up, restore
/// a backup into it, verify a backup, or remove it. Fetched over HTTPS with the host's credential; it carries
/// the short-lived means to reach the environment's backup container and the environment's backup
/// data key, which the agent keeps in memory only.
/// </summary>
/// <param name="Id">The task's id (for a backup, also the backup's).</param>
/// <param name="Kind">One of <see cref="VolumeTaskKinds"/>.</param>
/// <param name="Volume">The Docker volume on the host.</param>
/// <param name="BackupId">The backup written, restored or verified.</param>
public sealed record VolumeTask(string Id, string Kind, string Volume, string BackupId)
{
    /// <summary>The environment's backup container with a SAS: create, read and list, never delete or overwrite.</summary>
    public string Container { get; init; } = "";

    /// <summary>The environment's backup data key, base64.</summary>
    public string DataKey { get; init; } = "";

    /// <summary>Restore: the volume exists and nothing runs on it; its content is replaced.</summary>
    public bool Replace { get; init; }

    /// <summary>Restore: labels a new volume is created with.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

public static class VolumeTaskKinds
{
    public const string Backup = "backup";
    public const string Restore = "restore";
    public const string Verify = "verify";

    /// <summary>Removes the volume, which nothing mounts.</summary>
    public const string Remove = "remove";
}

/// <summary>How far a task has come, sent every few seconds while it runs.</summary>
public sealed record VolumeTaskProgress(long BytesDone, long BytesTotal, int ChunksDone, long BytesUploaded);

/// <summary>How a task ended. A backup's figures say what it read, what it uploaded and how long its volume's containers were paused.</summary>
public sealed record VolumeTaskResult(bool Succeeded, [property: Limit(VolumeTaskResult.MaxErrorLength)] string? Error)
{
    public const int MaxErrorLength = 2000;

    /// <summary>The archive's size (the volume's content as a tar stream).</summary>
    public long Size { get; init; }

    public int Chunks { get; init; }

    /// <summary>Chunks not already in the container, which this task uploaded.</summary>
    public int NewChunks { get; init; }

    public long BytesUploaded { get; init; }

    /// <summary>How long the volume's containers were paused for the copy; 0 when hooks made it consistent or nothing ran.</summary>
    public long PausedMs { get; init; }

    /// <summary>How the copy was made consistent: <c>paused</c>, <c>hooks</c>, or <c>idle</c> (nothing ran on the volume).</summary>
    public string? Consistency { get; init; }
}

/// <summary>A named volume on the host, as its agent sees it.</summary>
public sealed record ObservedVolume([property: Limit(255)] string Name, long SizeBytes)
{
    public const int MaxVolumes = 500;
}

/// <summary>Labels on a service's containers that make its backups consistent: commands run (<c>sh -c</c>) in the container around the copy.</summary>
public static class BackupHooks
{
    public const string Pre = "rancher.cloud.backup.pre";
    public const string Post = "rancher.cloud.backup.post";
}
