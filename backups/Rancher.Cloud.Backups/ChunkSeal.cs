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

    /// <summary>
    /// zstd's level 1: on log-like text within 1-2 % of level 3's ratio at nearly twice its speed
    /// (this C# port); compression is most of a first backup's work on the host.
    /// </summary>
    private const int Level = 1;

    // A zstd context is large; each worker thread keeps its own rather than making one per chunk.
    [ThreadStatic]
    private static Compressor? compressorOfThread;

    [ThreadStatic]
    private static Decompressor? decompressorOfThread;

    /// <summary>The stored form of a chunk of plaintext whose id is <paramref name="id"/>.</summary>
    public static ChunkBuffer Seal(BackupKeys keys, string id, ReadOnlySpan<byte> plain)
    {
        var compressor = compressorOfThread ??= new Compressor(Level);
        using var compressed = new ChunkBuffer(Compressor.GetCompressBound(plain.Length));
        compressed.Shorten(compressor.Wrap(plain, compressed.Span));
        // Random data does not shrink: stored as it is, and restore skips the decompression.
        return compressed.Length < plain.Length
            ? EncryptPooled(keys, Zstd, compressed.Span, Associated(id))
            : EncryptPooled(keys, Stored, plain, Associated(id));
    }

    /// <summary>
    /// The chunk's plaintext (at most <paramref name="maxLength"/> bytes), checked against its id;
    /// a mismatch of any kind throws <see cref="BackupCorruptException"/>.
    /// </summary>
    public static ChunkBuffer Open(BackupKeys keys, string id, ReadOnlySpan<byte> stored, int maxLength)
    {
        var body = new ChunkBuffer(Math.Max(0, stored.Length - Header));
        ChunkBuffer? plain = null;
        try
        {
            DecryptInto(keys, stored, body.Span, Associated(id), $"chunk {id}");
            switch (stored[0])
            {
                case Zstd:
                    plain = new ChunkBuffer(maxLength);
                    try
                    {
                        plain.Shorten((decompressorOfThread ??= new Decompressor()).Unwrap(body.Span, plain.Span));
                    }
                    catch (ZstdException e)
                    {
                        throw new BackupCorruptException($"chunk {id} does not decompress within {maxLength} bytes: {e.Message}");
                    }
                    break;
                case Stored:
                    (plain, body) = (body, null!);
                    break;
                default:
                    throw new BackupCorruptException($"chunk {id} has an unknown format {stored[0]}");
            }
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(keys.IdOf(plain.Span)), Encoding.ASCII.GetBytes(id)))
            {
                throw new BackupCorruptException($"chunk {id} holds other data than its name says");
            }
            var opened = plain;
            plain = null;
            return opened;
        }
        finally
        {
            body?.Dispose();
            plain?.Dispose();
        }
    }

    private static ChunkBuffer EncryptPooled(BackupKeys keys, byte format, ReadOnlySpan<byte> body, byte[] associated)
    {
        var output = new ChunkBuffer(Header + body.Length);
        EncryptInto(keys, format, body, output.Span, associated);
        return output;
    }

    /// <summary>Writes the stored form (format, nonce, tag, ciphertext) into <paramref name="output"/>, exactly <c>Header + body.Length</c> long.</summary>
    private static void EncryptInto(BackupKeys keys, byte format, ReadOnlySpan<byte> body, Span<byte> output, byte[] associated)
    {
        output[0] = format;
        var nonce = output.Slice(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(keys.Sealing, TagSize);
        gcm.Encrypt(nonce, body, output[Header..], output.Slice(1 + NonceSize, TagSize), associated);
    }

    private static void DecryptInto(BackupKeys keys, ReadOnlySpan<byte> stored, Span<byte> body, byte[] associated, string what)
    {
        if (stored.Length < Header)
        {
            throw new BackupCorruptException($"{what} is cut short ({stored.Length} bytes)");
        }
        using var gcm = new AesGcm(keys.Sealing, TagSize);
        try
        {
            gcm.Decrypt(stored.Slice(1, NonceSize), stored[Header..], stored.Slice(1 + NonceSize, TagSize), body, associated);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new BackupCorruptException($"{what} fails its authentication tag: altered, corrupted, or sealed under another key");
        }
    }

    internal static byte[] Encrypt(BackupKeys keys, byte format, ReadOnlySpan<byte> body, byte[] associated)
    {
        var output = new byte[Header + body.Length];
        EncryptInto(keys, format, body, output, associated);
        return output;
    }

    internal static (byte Format, byte[] Body) Decrypt(BackupKeys keys, ReadOnlySpan<byte> stored, byte[] associated, string what)
    {
        var body = new byte[Math.Max(0, stored.Length - Header)];
        DecryptInto(keys, stored, body, associated, what);
        return (stored[0], body);
    }

    private static byte[] Associated(string id) => Encoding.ASCII.GetBytes("chunk/" + id);
}
