namespace Rancher.Cloud.Backups;

/// <summary>
/// Bounds of a content-defined chunk. The average is a power of two; chunks are cut no sooner
/// than <see cref="Min"/> and no later than <see cref="Max"/>.
/// </summary>
public sealed record ChunkSizes(int Min, int Average, int Max)
{
    /// <summary>512 KiB, 1 MiB, 4 MiB: few enough blobs for a large volume, small enough that a change uploads little.</summary>
    public static ChunkSizes Default { get; } = new(512 << 10, 1 << 20, 4 << 20);

    /// <summary>The number of bits the average spans (20 for 1 MiB).</summary>
    public int AverageBits => System.Numerics.BitOperations.Log2((uint)Average);
}
