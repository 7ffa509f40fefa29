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
    // A few quick retries: storage that stays unreachable fails the task with its reason, and the next try (or schedule) resumes.
    private readonly BlobContainerClient container = new(new Uri(sasUri), new BlobClientOptions
    {
        Retry = { MaxRetries = 3, Delay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(8), NetworkTimeout = TimeSpan.FromSeconds(60) },
    });

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

    /// <summary>
    /// Stores a new blob; one already there (the same chunk from another backup or host, or an
    /// earlier try) is left as it is. Without overwrite permission, Azure answers 409 or 403
    /// (UnauthorizedBlobOverwrite) for an existing blob, and 412 to an If-None-Match race.
    /// </summary>
    public async Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        try
        {
            await container.GetBlobClient(name).UploadAsync(new BinaryData(content), overwrite: false, ct);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 || e is { Status: 403, ErrorCode: "UnauthorizedBlobOverwrite" })
        {
            // Already stored.
        }
    }

    /// <summary>A blob's content in a pooled buffer; a missing one, or one longer than it can be, is a damaged backup.</summary>
    public async Task<ChunkBuffer> GetAsync(string name, int maxLength, CancellationToken ct)
    {
        try
        {
            var download = await container.GetBlobClient(name).DownloadStreamingAsync(cancellationToken: ct);
            using var content = download.Value.Content;
            var length = download.Value.Details.ContentLength;
            if (length > maxLength)
            {
                throw new BackupCorruptException($"{name} is {length} bytes, more than it can be ({maxLength})");
            }
            var buffer = new ChunkBuffer((int)length);
            try
            {
                await content.ReadExactlyAsync(buffer.Array.AsMemory(0, (int)length), ct);
                return buffer;
            }
            catch
            {
                buffer.Dispose();
                throw;
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new BackupCorruptException($"{name} is missing from the backup container");
        }
    }
}
