using Rancher.Cloud.Backups;

namespace Rancher.Cloud.Agent.Volumes;

/// <summary>
/// Reads a backup back: its manifest, then its chunks in order (a few fetched ahead), each opened
/// and checked against its id and length. Anything that does not check out stops the read.
/// </summary>
public sealed class BackupReader(BackupContainer container, BackupKeys keys)
{
    private const int Ahead = 4;

    /// <summary>A manifest lists a chunk in about 80 bytes: this is some two million chunks, terabytes of volume.</summary>
    private const int MaxManifest = 256 << 20;

    /// <summary>A sealed chunk is its plaintext (at most the largest chunk), its header and tag.</summary>
    private static readonly int MaxStoredChunk = ChunkSizes.Default.Max + 64;

    public async Task<BackupManifest> ManifestAsync(string backupId, CancellationToken ct)
    {
        using var stored = await container.GetAsync(BackupLayout.ManifestBlob(backupId), MaxManifest, ct);
        return BackupManifest.Open(keys, backupId, stored.Span);
    }

    /// <summary>The plaintext of each chunk in order, in pooled buffers the caller disposes.</summary>
    public async IAsyncEnumerable<ChunkBuffer> ChunksAsync(BackupManifest manifest, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var queue = new Queue<Task<ChunkBuffer>>();
        var next = 0;
        while (next < manifest.Chunks.Count || queue.Count > 0)
        {
            while (queue.Count < Ahead && next < manifest.Chunks.Count)
            {
                var chunk = manifest.Chunks[next++];
                queue.Enqueue(Task.Run(() => OpenAsync(chunk, ct), ct));
            }
            yield return await queue.Dequeue();
        }
    }

    private async Task<ChunkBuffer> OpenAsync(ChunkRef chunk, CancellationToken ct)
    {
        using var stored = await container.GetAsync(BackupLayout.ChunkBlob(chunk.Id), MaxStoredChunk, ct);
        var plain = ChunkSeal.Open(keys, chunk.Id, stored.Span, ChunkSizes.Default.Max);
        if (plain.Length != chunk.Length)
        {
            plain.Dispose();
            throw new BackupCorruptException($"chunk {chunk.Id} is {plain.Length} bytes, the manifest says {chunk.Length}");
        }
        return plain;
    }

    /// <summary>Reads every chunk of the backup and checks each: a damaged one fails the verification, naming it.</summary>
    public async Task<Contracts.VolumeTaskResult> VerifyAsync(string backupId, TaskProgress progress, CancellationToken ct)
    {
        var manifest = await ManifestAsync(backupId, ct);
        progress.Total = manifest.Size;
        await foreach (var chunk in ChunksAsync(manifest, ct))
        {
            using var _ = chunk;
            progress.ChunkDone(chunk.Length);
        }
        return new Contracts.VolumeTaskResult(true, null) { Size = progress.Bytes, Chunks = progress.Chunks };
    }
}
