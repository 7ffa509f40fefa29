using Rancher.Cloud.Backups;

namespace Rancher.Cloud.Agent.Volumes;

/// <summary>
/// Reads a backup back: its manifest, then its chunks in order (a few fetched ahead), each opened
/// and checked against its id and length. Anything that does not check out stops the read.
/// </summary>
public sealed class BackupReader(BackupContainer container, BackupKeys keys)
{
    private const int Ahead = 4;

    public async Task<BackupManifest> ManifestAsync(string backupId, CancellationToken ct) =>
        BackupManifest.Open(keys, backupId, await container.GetAsync(BackupLayout.ManifestBlob(backupId), ct));

    public async IAsyncEnumerable<byte[]> ChunksAsync(BackupManifest manifest, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var queue = new Queue<Task<byte[]>>();
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

    private async Task<byte[]> OpenAsync(ChunkRef chunk, CancellationToken ct)
    {
        var plain = ChunkSeal.Open(keys, chunk.Id, await container.GetAsync(BackupLayout.ChunkBlob(chunk.Id), ct));
        return plain.Length == chunk.Length ? plain : throw new BackupCorruptException($"chunk {chunk.Id} is {plain.Length} bytes, the manifest says {chunk.Length}");
    }
}
