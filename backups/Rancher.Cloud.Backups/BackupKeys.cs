using System.Security.Cryptography;
using System.Text;

namespace Rancher.Cloud.Backups;

/// <summary>
/// The keys of one environment's backups, derived from its data key: one seals chunks and
/// manifests (AES-256-GCM), the other names chunks (HMAC-SHA256 of the plaintext), so equal
/// data deduplicates within the environment and a chunk's name reveals nothing outside it.
/// </summary>
public sealed class BackupKeys
{
    public const int DataKeySize = 32;

    private BackupKeys(byte[] sealing, byte[] naming)
    {
        Sealing = sealing;
        Naming = naming;
    }

    internal byte[] Sealing { get; }

    internal byte[] Naming { get; }

    public static BackupKeys From(ReadOnlySpan<byte> dataKey)
    {
        if (dataKey.Length != DataKeySize)
        {
            throw new ArgumentException($"a backup data key is {DataKeySize} bytes", nameof(dataKey));
        }
        return new BackupKeys(Derive(dataKey, "rancher.cloud/backups/seal"), Derive(dataKey, "rancher.cloud/backups/name"));
    }

    /// <summary>The chunk's id: lower-case hex of its keyed hash.</summary>
    public string IdOf(ReadOnlySpan<byte> plain) => Convert.ToHexStringLower(HMACSHA256.HashData(Naming, plain));

    private static byte[] Derive(ReadOnlySpan<byte> key, string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key.ToArray(), 32, [], Encoding.UTF8.GetBytes(purpose));
}
