using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rancher.Cloud.Backups;

/// <summary>
/// What a backup is: the chunks of the volume's archive (a tar stream) in order. Written last,
/// sealed like a chunk and bound to the backup's id, so a backup is visible only once whole.
/// </summary>
public sealed record BackupManifest(string BackupId, string Volume, DateTimeOffset TakenAt, long Size, IReadOnlyList<ChunkRef> Chunks)
{
    public int Format { get; init; } = 1;

    public byte[] Seal(BackupKeys keys) =>
        ChunkSeal.Encrypt(keys, 1, JsonSerializer.SerializeToUtf8Bytes(this, ManifestJson.Default.BackupManifest), Associated(BackupId));

    /// <summary>The manifest stored for <paramref name="backupId"/>; one that does not open, or names another backup, throws <see cref="BackupCorruptException"/>.</summary>
    public static BackupManifest Open(BackupKeys keys, string backupId, ReadOnlySpan<byte> stored)
    {
        var (_, body) = ChunkSeal.Decrypt(keys, stored, Associated(backupId), $"the manifest of {backupId}");
        var manifest = JsonSerializer.Deserialize(body, ManifestJson.Default.BackupManifest)
            ?? throw new BackupCorruptException($"the manifest of {backupId} is empty");
        return manifest.BackupId == backupId ? manifest : throw new BackupCorruptException($"the manifest of {backupId} names {manifest.BackupId}");
    }

    private static byte[] Associated(string backupId) => Encoding.UTF8.GetBytes("manifest/" + backupId);
}

/// <summary>One chunk of a backup's archive: its id and plaintext length.</summary>
public sealed record ChunkRef(string Id, int Length);

[JsonSerializable(typeof(BackupManifest))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class ManifestJson : JsonSerializerContext;
