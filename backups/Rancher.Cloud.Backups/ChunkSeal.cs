using System.Security.Cryptography;
using System.Text;
using ZstdSharp;

namespace Rancher.Cloud.Backups;

/// <summary>Raised when stored backup data does not open: tampered, corrupted, truncated, or under another key.</summary>
public sealed class BackupCorruptException(string message) : Exception(message);

/// <summary>
/// A chunk as stored: compressed with zstd (unless that does not help), then sealed with AES-GCM
/// bound to its id, so a blob altered, cut short or put under another chunk's name does not open.
/// Layout: format (1 byte), nonce (12), tag (16), ciphertext.
/// </summary>
public static class ChunkSeal
{
    private const byte Zstd = 1;
    private const byte Stored = 2;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int Header = 1 + NonceSize + TagSize;

    /// <summary>zstd's level 3: its default, well past gzip's ratio at many times its speed.</summary>
    private const int Level = 3;

    public static byte[] Seal(BackupKeys keys, string id, ReadOnlySpan<byte> plain)
    {
        using var compressor = new Compressor(Level);
        var compressed = compressor.Wrap(plain);
        // Random data does not shrink: stored as it is, and restore skips the decompression.
        return compressed.Length < plain.Length
            ? Encrypt(keys, Zstd, compressed, Associated(id))
            : Encrypt(keys, Stored, plain, Associated(id));
    }

    /// <summary>The chunk's plaintext, checked against its id; a mismatch of any kind throws <see cref="BackupCorruptException"/>.</summary>
    public static byte[] Open(BackupKeys keys, string id, ReadOnlySpan<byte> stored)
    {
        var (format, body) = Decrypt(keys, stored, Associated(id), $"chunk {id}");
        byte[] plain;
        try
        {
            plain = format switch
            {
                Zstd => new Decompressor().Unwrap(body).ToArray(),
                Stored => body,
                _ => throw new BackupCorruptException($"chunk {id} has an unknown format {format}"),
            };
        }
        catch (ZstdException e)
        {
            throw new BackupCorruptException($"chunk {id} does not decompress: {e.Message}");
        }
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(keys.IdOf(plain)), Encoding.ASCII.GetBytes(id)))
        {
            throw new BackupCorruptException($"chunk {id} holds other data than its name says");
        }
        return plain;
    }

    internal static byte[] Encrypt(BackupKeys keys, byte format, ReadOnlySpan<byte> body, byte[] associated)
    {
        var output = new byte[Header + body.Length];
        output[0] = format;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(keys.Sealing, TagSize);
        gcm.Encrypt(nonce, body, output.AsSpan(Header), output.AsSpan(1 + NonceSize, TagSize), associated);
        return output;
    }

    internal static (byte Format, byte[] Body) Decrypt(BackupKeys keys, ReadOnlySpan<byte> stored, byte[] associated, string what)
    {
        if (stored.Length < Header)
        {
            throw new BackupCorruptException($"{what} is cut short ({stored.Length} bytes)");
        }
        var body = new byte[stored.Length - Header];
        using var gcm = new AesGcm(keys.Sealing, TagSize);
        try
        {
            gcm.Decrypt(stored.Slice(1, NonceSize), stored[Header..], stored.Slice(1 + NonceSize, TagSize), body, associated);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new BackupCorruptException($"{what} fails its authentication tag: altered, corrupted, or sealed under another key");
        }
        return (stored[0], body);
    }

    private static byte[] Associated(string id) => Encoding.ASCII.GetBytes("chunk/" + id);
}
