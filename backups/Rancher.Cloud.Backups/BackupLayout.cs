namespace Rancher.Cloud.Backups;

/// <summary>
/// Where a backup's parts live in the environment's container: chunks under <c>chunks/</c>
/// (fanned out by their first two characters), manifests under <c>manifests/</c>.
/// </summary>
public static class BackupLayout
{
    public const string ChunksPrefix = "chunks/";
    public const string ManifestsPrefix = "manifests/";

    public static string ChunkBlob(string id) => $"{ChunksPrefix}{id[..2]}/{id}";

    public static string ManifestBlob(string backupId) => ManifestsPrefix + backupId;

    /// <summary>The chunk id a blob name holds, or null for another name.</summary>
    public static string? ChunkIdOf(string blobName) =>
        blobName.StartsWith(ChunksPrefix, StringComparison.Ordinal) && blobName.LastIndexOf('/') is var slash and > 0 ? blobName[(slash + 1)..] : null;
}
