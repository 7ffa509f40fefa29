using System.Buffers;

namespace Rancher.Cloud.Backups;

/// <summary>
/// A chunk's bytes in a pooled array, handed back when disposed. Chunks are 0.5–4 MiB: a fresh
/// array for each is a large-object allocation (zeroed, often freshly committed), which cost
/// more than cutting, hashing and sealing the chunk together.
/// </summary>
public sealed class ChunkBuffer : IDisposable
{
    private byte[]? array;

    public ChunkBuffer(int length)
    {
        array = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
        Length = length;
    }

    public static ChunkBuffer CopyOf(ReadOnlySpan<byte> bytes)
    {
        var buffer = new ChunkBuffer(bytes.Length);
        bytes.CopyTo(buffer.Span);
        return buffer;
    }

    public int Length { get; private set; }

    public Span<byte> Span => Array.AsSpan(0, Length);

    public ReadOnlyMemory<byte> Memory => Array.AsMemory(0, Length);

    /// <summary>The whole rented array (at least <see cref="Length"/> long), for APIs that take one.</summary>
    public byte[] Array => array ?? throw new ObjectDisposedException(nameof(ChunkBuffer));

    /// <summary>Keeps the first <paramref name="length"/> bytes.</summary>
    public void Shorten(int length) => Length = length <= Length ? length : throw new ArgumentOutOfRangeException(nameof(length));

    public void Dispose()
    {
        if (array is { } rented)
        {
            array = null;
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
