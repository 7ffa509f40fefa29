using System.Security.Cryptography;

namespace Rancher.Cloud.Backups;

/// <summary>
/// Cuts a byte stream where its content says (FastCDC: a gear hash with normalised chunking), so
/// an insertion or a change moves only the cuts near it and the chunks elsewhere keep their ids.
/// </summary>
public sealed class ContentChunker(ChunkSizes sizes)
{
    /// <summary>
    /// The gear: one 64-bit value per byte value, fixed forever (derived from a constant), since
    /// every backup ever written was cut with it.
    /// </summary>
    private static readonly ulong[] Gear = MakeGear();

    // Harder before the average (two more bits), easier after (two fewer): sizes bunch near it.
    private readonly ulong hardMask = TopBits(sizes.AverageBits + 2);
    private readonly ulong easyMask = TopBits(sizes.AverageBits - 2);

    public ChunkSizes Sizes => sizes;

    /// <summary>
    /// How long the next chunk of <paramref name="data"/> is. <paramref name="final"/> says no more
    /// data follows; otherwise <paramref name="data"/> must hold at least <see cref="ChunkSizes.Max"/> bytes.
    /// </summary>
    public int Cut(ReadOnlySpan<byte> data, bool final)
    {
        if (data.Length <= sizes.Min)
        {
            return final ? data.Length : throw new ArgumentException("more data is needed to cut", nameof(data));
        }
        if (!final && data.Length < sizes.Max)
        {
            throw new ArgumentException("more data is needed to cut", nameof(data));
        }
        var end = Math.Min(data.Length, sizes.Max);
        var normal = Math.Min(end, sizes.Average);
        ulong hash = 0;
        var i = sizes.Min;
        for (; i < normal; i++)
        {
            hash = (hash << 1) + Gear[data[i]];
            if ((hash & hardMask) == 0)
            {
                return i + 1;
            }
        }
        for (; i < end; i++)
        {
            hash = (hash << 1) + Gear[data[i]];
            if ((hash & easyMask) == 0)
            {
                return i + 1;
            }
        }
        return end;
    }

    /// <summary>The stream's chunks in order, each in a pooled buffer the caller disposes.</summary>
    public async IAsyncEnumerable<ChunkBuffer> ChunksAsync(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        var buffer = new byte[sizes.Max * 2];
        var filled = 0;
        var start = 0;
        var ended = false;
        while (true)
        {
            while (!ended && filled - start < sizes.Max)
            {
                if (start > 0)
                {
                    // Keep the unread tail at the front, so a whole Max fits after it.
                    Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
                    filled -= start;
                    start = 0;
                }
                var read = await stream.ReadAsync(buffer.AsMemory(filled, buffer.Length - filled), ct);
                if (read == 0)
                {
                    ended = true;
                }
                filled += read;
            }
            if (filled == start)
            {
                yield break;
            }
            var length = Cut(buffer.AsSpan(start, filled - start), ended);
            yield return ChunkBuffer.CopyOf(buffer.AsSpan(start, length));
            start += length;
        }
    }

    private static ulong TopBits(int count) => count <= 0 ? 0 : ulong.MaxValue << (64 - count);

    private static ulong[] MakeGear()
    {
        var gear = new ulong[256];
        for (var i = 0; i < 256; i++)
        {
            var digest = SHA256.HashData([(byte)'g', (byte)'e', (byte)'a', (byte)'r', (byte)i]);
            gear[i] = BitConverter.ToUInt64(digest, 0);
        }
        return gear;
    }
}
