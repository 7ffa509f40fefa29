using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Microsoft.Extensions.Options;
using Rancher.Cloud.Backups;

namespace Rancher.Cloud.ControlPlane.Volumes;

/// <summary>
/// The blob side of backups: one container per environment, SAS tokens that let a host add to it
/// but never delete or overwrite, and the control plane's own reads and deletes (retention).
/// </summary>
public sealed class BackupStore(BlobServiceClient blobs, IOptions<ControlPlaneOptions> options, TimeProvider clock)
{
    /// <summary>Long enough for a large volume's upload, short enough that a leaked token soon stops working.</summary>
    public static readonly TimeSpan SasLifetime = TimeSpan.FromHours(4);

    /// <summary>The environment's container: named by a hash of its partition (container names are short, lower-case).</summary>
    public static string ContainerName(string partition) =>
        "backups-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(partition)))[..32];

    private BlobContainerClient Container(string partition) => blobs.GetBlobContainerClient(ContainerName(partition));

    /// <summary>
    /// The container's address with a SAS for a host: create (new blobs only), read and list
    /// (deduplication and restore). No write, so nothing stored can be overwritten; no delete.
    /// </summary>
    public async Task<string> HostSasAsync(string partition, CancellationToken ct)
    {
        var container = Container(partition);
        await container.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: ct);
        var sas = new BlobSasBuilder(BlobContainerSasPermissions.Create | BlobContainerSasPermissions.Read | BlobContainerSasPermissions.List, clock.GetUtcNow() + SasLifetime)
        {
            BlobContainerName = container.Name,
            Resource = "c",
            StartsOn = clock.GetUtcNow() - TimeSpan.FromMinutes(5), // clock skew between control plane and storage
        };
        var uri = container.GenerateSasUri(sas);
        return options.Value.AgentBlobEndpoint is { Length: > 0 } endpoint
            ? $"{endpoint.TrimEnd('/')}/{container.Name}{uri.Query}"
            : uri.ToString();
    }

    /// <summary>A backup's sealed manifest, or null when it was never written (the backup did not complete).</summary>
    public async Task<byte[]?> ManifestAsync(string partition, string backupId, CancellationToken ct)
    {
        try
        {
            var content = await Container(partition).GetBlobClient(BackupLayout.ManifestBlob(backupId)).DownloadContentAsync(ct);
            return content.Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Every stored chunk's id.</summary>
    public async Task<List<string>> ChunkIdsAsync(string partition, CancellationToken ct)
    {
        var ids = new List<string>();
        if (!await Container(partition).ExistsAsync(ct))
        {
            return ids;
        }
        await foreach (var blob in Container(partition).GetBlobsAsync(BlobTraits.None, BlobStates.None, BackupLayout.ChunksPrefix, ct))
        {
            if (BackupLayout.ChunkIdOf(blob.Name) is { } id)
            {
                ids.Add(id);
            }
        }
        return ids;
    }

    public async Task DeleteManifestAsync(string partition, string backupId, CancellationToken ct) =>
        await Container(partition).GetBlobClient(BackupLayout.ManifestBlob(backupId)).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: ct);

    public async Task DeleteChunkAsync(string partition, string chunkId, CancellationToken ct) =>
        await Container(partition).GetBlobClient(BackupLayout.ChunkBlob(chunkId)).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: ct);
}
