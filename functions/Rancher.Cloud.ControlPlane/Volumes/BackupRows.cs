using Azure.Data.Tables;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Volumes;

namespace Rancher.Cloud.ControlPlane.Volumes;

/// <summary>
/// Storage rows in an environment's partition, under one prefix the reconciler skips: tasks
/// (<c>bk~task~&lt;id&gt;</c>; a backup's task id is the backup's id), schedules, the sweep's
/// claim and the data key.
/// </summary>
public static class BackupRows
{
    public const string Prefix = "bk~";
    public const string TaskPrefix = Prefix + "task~";

    /// <summary>A volume's guard: which task last wrote it (<c>bk~guard~&lt;volumeId&gt;</c>).</summary>
    public const string GuardPrefix = Prefix + "guard~";

    /// <param name="partition">The environment's partition.</param>
    /// <param name="id">The task's id (a backup's is the backup's).</param>
    /// <param name="kind">One of <see cref="VolumeTaskKinds"/>.</param>
    /// <param name="volume">The volume it works on.</param>
    /// <param name="backupId">The backup it writes or reads; null for a removal.</param>
    /// <param name="now">When it was asked for.</param>
    /// <param name="replace">A restore over an existing volume's content.</param>
    /// <param name="scheduleId">The schedule that asked for it, whose retention applies.</param>
    public static TableEntity NewTask(
        string partition, string id, string kind, VolumeRef volume, string? backupId, DateTimeOffset now, bool replace = false, string? scheduleId = null) =>
        new(partition, TaskPrefix + id)
        {
            ["Kind"] = kind,
            ["VolumeId"] = volume.Id,
            ["Volume"] = volume.Name,
            ["HostId"] = volume.HostId,
            ["BackupId"] = backupId,
            ["State"] = VolumeTaskState.Pending,
            ["CreatedAt"] = now,
            ["Replace"] = replace,
            ["ScheduleId"] = scheduleId,
        };

    public static string IdOf(TableEntity row) => row.RowKey[TaskPrefix.Length..];

    public static string StateOf(TableEntity row) => row.GetString("State") ?? VolumeTaskState.Pending;

    public static VolumeTaskView ToView(TableEntity row, DateTimeOffset now) => new(
        IdOf(row),
        row.GetString("Kind"),
        row.GetString("BackupId"),
        row.GetString("VolumeId"),
        row.GetString("Volume"),
        row.GetString("HostId"),
        StateOf(row),
        row.GetDateTimeOffset("CreatedAt") ?? default)
    {
        StartedAt = row.GetDateTimeOffset("StartedAt"),
        FinishedAt = row.GetDateTimeOffset("FinishedAt"),
        Error = row.GetString("Error"),
        Progress = StateOf(row) == VolumeTaskState.Running && row.GetInt64("BytesTotal") is { } total ? ProgressOf(row, total, now) : null,
        Size = row.GetInt64("Size"),
        Chunks = row.GetInt32("Chunks"),
        NewChunks = row.GetInt32("NewChunks"),
        BytesUploaded = row.GetInt64("BytesUploaded"),
        PausedMs = row.GetInt64("PausedMs"),
        Consistency = row.GetString("Consistency"),
        ScheduleId = row.GetString("ScheduleId"),
        Replace = row.GetBoolean("Replace") is true ? true : null,
    };

    /// <summary>The figures of a running task, with an estimate of what is left at the pace so far.</summary>
    private static TaskProgressView ProgressOf(TableEntity row, long total, DateTimeOffset now)
    {
        var done = row.GetInt64("BytesDone") ?? 0;
        var started = row.GetDateTimeOffset("StartedAt") ?? now;
        var elapsed = (now - started).TotalSeconds;
        double? eta = done > 0 && elapsed > 0 && total >= done ? Math.Round((total - done) / (done / elapsed)) : null;
        return new TaskProgressView(done, total, total > 0 ? Math.Round(100.0 * Math.Min(done, total) / total, 1) : 0, row.GetInt32("ChunksDone") ?? 0, row.GetInt64("BytesUploaded") ?? 0, eta);
    }

    public static TableEntity ProgressRow(TableEntity row, VolumeTaskProgress progress) => new(row.PartitionKey, row.RowKey)
    {
        ["BytesDone"] = progress.BytesDone,
        ["BytesTotal"] = progress.BytesTotal,
        ["ChunksDone"] = progress.ChunksDone,
        ["BytesUploaded"] = progress.BytesUploaded,
    };

    public static TableEntity ResultRow(TableEntity row, VolumeTaskResult result, DateTimeOffset now) => new(row.PartitionKey, row.RowKey)
    {
        ["State"] = result.Succeeded ? VolumeTaskState.Completed : VolumeTaskState.Failed,
        ["Error"] = result.Succeeded ? null : result.Error ?? "the agent gave no reason",
        ["FinishedAt"] = now,
        ["Size"] = result.Size,
        ["Chunks"] = result.Chunks,
        ["NewChunks"] = result.NewChunks,
        ["BytesUploaded"] = result.BytesUploaded,
        ["PausedMs"] = result.PausedMs,
        ["Consistency"] = result.Consistency,
    };
}

/// <summary>A named volume on a host: its id, name and host.</summary>
public sealed record VolumeRef(string Id, string Name, string HostId);

/// <summary>A backup, restore or verification, as the API shows it.</summary>
public sealed record VolumeTaskView(
    string Id, string Kind, string? BackupId, string VolumeId, string Volume, string HostId, string State, DateTimeOffset CreatedAt)
{
    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public string? Error { get; init; }

    /// <summary>While it runs: bytes and chunks so far, and an estimate of the seconds left.</summary>
    public TaskProgressView? Progress { get; init; }

    /// <summary>The backup's archive (the volume as a tar stream), in bytes.</summary>
    public long? Size { get; init; }

    public int? Chunks { get; init; }

    /// <summary>Chunks this task uploaded: the rest were already stored by earlier backups.</summary>
    public int? NewChunks { get; init; }

    public long? BytesUploaded { get; init; }

    /// <summary>How long the volume's containers were paused for the copy.</summary>
    public long? PausedMs { get; init; }

    /// <summary><c>paused</c>, <c>hooks</c> (the service's pre/post commands) or <c>idle</c> (nothing ran on the volume).</summary>
    public string? Consistency { get; init; }

    /// <summary>The schedule that made the backup, whose retention applies to it.</summary>
    public string? ScheduleId { get; init; }

    /// <summary>A restore that replaced the content of an existing volume.</summary>
    public bool? Replace { get; init; }
}

public sealed record TaskProgressView(long BytesDone, long BytesTotal, double Percent, int ChunksDone, long BytesUploaded, double? EtaSeconds);
