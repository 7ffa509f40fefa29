using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Rancher.Cloud.Backups;

namespace Rancher.Cloud.Agent.Volumes;

/// <summary>
/// The environment's backup container as a host reaches it: through the task's SAS, which lets it
/// add blobs, read and list, never overwrite or delete.
/// </summary>
public sealed class BackupContainer(string sasUri)
{
    private readonly BlobContainerClient container = new(new Uri(sasUri));

    /// <summary>Every chunk already stored: those are not uploaded again (and an interrupted backup resumes from them).</summary>
    public async Task<HashSet<string>> ChunkIdsAsync(CancellationToken ct)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, BackupLayout.ChunksPrefix, ct))
        {
            if (BackupLayout.ChunkIdOf(blob.Name) is { } id)
            {
                ids.Add(id);
            }
        }
        return ids;
    }

    /// <summary>Stores a new blob; one already there (the same chunk from another backup, or an earlier try) is left as it is.</summary>
    public async Task PutAsync(string name, byte[] content, CancellationToken ct)
    {
        try
        {
            await container.GetBlobClient(name).UploadAsync(new BinaryData(content), overwrite: false, ct);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Already stored.
        }
    }

    /// <summary>A blob's content; a missing one is a damaged backup.</summary>
    public async Task<byte[]> GetAsync(string name, CancellationToken ct)
    {
        try
        {
            return (await container.GetBlobClient(name).DownloadContentAsync(ct)).Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new BackupCorruptException($"{name} is missing from the backup container");
        }
    }
}
