using CliWrap;
using Rancher.Cloud.Backups;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Volumes;

/// <summary>
/// Writes one backup: the snapshot as a tar stream (ownership, modes and times kept), cut into
/// content-defined chunks; chunks not yet stored are sealed and uploaded a few at a time; the
/// manifest goes last, so a backup interrupted anywhere is not visible and the next try uploads
/// only what is missing.
/// </summary>
public sealed class BackupWriter(BackupContainer container, BackupKeys keys, TaskProgress progress)
{
    /// <summary>
    /// Chunks in hand at once: enough that the cores keep sealing while some wait on the network
    /// (about 1 MiB each, a few MiB of memory in all).
    /// </summary>
    private const int Workers = 6;

    private int newChunks;

    public async Task<VolumeTaskResult> WriteAsync(string backupId, string volume, VolumeSnapshot snapshot, DateTimeOffset takenAt, CancellationToken ct)
    {
        progress.Total = VolumeSizes.SizeOf(snapshot.Path);
        var known = await container.ChunkIdsAsync(ct);
        var chunks = new List<ChunkRef>();
        var errors = new System.Text.StringBuilder();
        var result = await Cli.Wrap("tar")
            .WithArguments(["--create", "--file=-", "--numeric-owner", "--sort=name", "--sparse", "--directory", snapshot.Path, "."])
            .WithStandardOutputPipe(PipeTarget.Create((stdout, token) => ChunkAsync(stdout, known, chunks, token)))
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(errors))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(ct);
        // tar's 1 is "a file changed as it was read": only possible when reading a volume in place, which nothing runs on.
        if (result.ExitCode > 1)
        {
            throw new InvalidOperationException($"reading the volume failed: {errors.ToString().Trim()}");
        }
        var manifest = new BackupManifest(backupId, volume, takenAt, chunks.Sum(c => (long)c.Length), chunks);
        await container.PutAsync(BackupLayout.ManifestBlob(backupId), manifest.Seal(keys), ct);
        return new VolumeTaskResult(true, null)
        {
            Size = manifest.Size,
            Chunks = chunks.Count,
            NewChunks = newChunks,
            BytesUploaded = progress.Uploaded,
            PausedMs = snapshot.PausedMs,
            Consistency = snapshot.Consistency,
        };
    }

    /// <summary>
    /// Cuts the archive on this thread; names, seals and uploads each chunk on a few workers (the
    /// hashing and compression are the costly part), and keeps the manifest's order by index.
    /// </summary>
    private async Task ChunkAsync(Stream archive, HashSet<string> known, List<ChunkRef> chunks, CancellationToken ct)
    {
        using var gate = new SemaphoreSlim(Workers);
        var named = new System.Collections.Concurrent.ConcurrentDictionary<int, ChunkRef>();
        var work = new List<Task>();
        var count = 0;
        await foreach (var chunk in new ContentChunker(ChunkSizes.Default).ChunksAsync(archive, ct))
        {
            var index = count++;
            await gate.WaitAsync(ct);
            work.Add(Task.Run(async () =>
            {
                using var _ = chunk;
                try
                {
                    var id = keys.IdOf(chunk.Span);
                    named[index] = new ChunkRef(id, chunk.Length);
                    bool fresh;
                    lock (known)
                    {
                        fresh = known.Add(id);
                    }
                    if (fresh)
                    {
                        using var sealedChunk = ChunkSeal.Seal(keys, id, chunk.Span);
                        await container.PutAsync(BackupLayout.ChunkBlob(id), sealedChunk.Memory, ct);
                        progress.AddUploaded(sealedChunk.Length);
                        Interlocked.Increment(ref newChunks);
                    }
                    progress.ChunkDone(chunk.Length);
                }
                finally
                {
                    gate.Release();
                }
            }, ct));
            if (work.FirstOrDefault(u => u.IsFaulted) is { } failed)
            {
                await failed; // the storage refused or is unreachable: stop reading, say why
            }
            work.RemoveAll(u => u.IsCompletedSuccessfully);
        }
        await Task.WhenAll(work);
        chunks.AddRange(Enumerable.Range(0, count).Select(i => named[i]));
    }
}
