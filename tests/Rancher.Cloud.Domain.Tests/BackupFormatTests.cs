using System.Text;
using Rancher.Cloud.Backups;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>The backup format: content-defined cuts that survive edits, sealed chunks that only open whole and under their own name.</summary>
public sealed class BackupFormatTests
{
    private static readonly ChunkSizes Small = new(4 << 10, 16 << 10, 64 << 10);

    private static byte[] Data(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static async Task<List<byte[]>> ChunksAsync(ContentChunker chunker, byte[] data, int readSize = 1 << 20)
    {
        var chunks = new List<byte[]>();
        await foreach (var chunk in chunker.ChunksAsync(new TrickleStream(data, readSize)))
        {
            using (chunk)
            {
                chunks.Add(chunk.Span.ToArray());
            }
        }
        return chunks;
    }

    [Fact]
    public async Task Chunks_put_back_together_are_the_stream_and_stay_within_their_bounds()
    {
        var data = Data(3 << 20, 1);
        var chunks = await ChunksAsync(new ContentChunker(Small), data);
        Assert.Equal(data, chunks.SelectMany(c => c).ToArray());
        Assert.All(chunks.SkipLast(1), c => Assert.InRange(c.Length, Small.Min + 1, Small.Max));
        // Normalised chunking keeps the mean near the average.
        Assert.InRange(data.Length / chunks.Count, Small.Average / 2, Small.Average * 2);
    }

    [Fact]
    public async Task The_cuts_do_not_depend_on_how_the_stream_is_read()
    {
        var data = Data(1 << 20, 2);
        var whole = await ChunksAsync(new ContentChunker(Small), data);
        var trickled = await ChunksAsync(new ContentChunker(Small), data, readSize: 777);
        Assert.Equal(whole.Select(c => c.Length), trickled.Select(c => c.Length));
    }

    [Fact]
    public async Task An_insertion_changes_only_the_chunks_around_it()
    {
        var keys = BackupKeys.From(Data(32, 3));
        var data = Data(2 << 20, 4);
        var edited = data.Take(1_000_000).Concat(Encoding.UTF8.GetBytes("inserted in the middle")).Concat(data.Skip(1_000_000)).ToArray();
        var before = (await ChunksAsync(new ContentChunker(Small), data)).Select(c => keys.IdOf(c)).ToHashSet();
        var after = (await ChunksAsync(new ContentChunker(Small), edited)).Select(c => keys.IdOf(c)).ToList();
        var changed = after.Count(id => !before.Contains(id));
        Assert.InRange(changed, 1, 3);
        Assert.True(after.Count > 60);
    }

    [Fact]
    public async Task Empty_and_short_streams_are_one_chunk_or_none()
    {
        Assert.Empty(await ChunksAsync(new ContentChunker(Small), []));
        Assert.Single(await ChunksAsync(new ContentChunker(Small), Data(100, 5)));
    }

    [Fact]
    public void A_sealed_chunk_opens_to_its_plaintext_and_text_shrinks()
    {
        var keys = BackupKeys.From(Data(32, 6));
        var plain = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("log line with a marker-7f3a\n", 4000)));
        var id = keys.IdOf(plain);
        var stored = Sealed(keys, id, plain);
        Assert.True(stored.Length < plain.Length / 10);
        Assert.DoesNotContain("marker-7f3a", Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        Assert.Equal(plain, Opened(keys, id, stored));
    }

    [Fact]
    public void Random_data_is_stored_as_it_is_plus_the_seal()
    {
        var keys = BackupKeys.From(Data(32, 7));
        var plain = Data(100_000, 8);
        var stored = Sealed(keys, keys.IdOf(plain), plain);
        Assert.Equal(plain.Length + 29, stored.Length);
        Assert.Equal(plain, Opened(keys, keys.IdOf(plain), stored));
    }

    [Fact]
    public void A_chunk_altered_cut_renamed_or_under_another_key_does_not_open()
    {
        var keys = BackupKeys.From(Data(32, 9));
        var plain = Data(10_000, 10);
        var id = keys.IdOf(plain);
        var stored = Sealed(keys, id, plain);
        var flipped = stored.ToArray();
        flipped[^5] ^= 1;
        Assert.Throws<BackupCorruptException>(() => Opened(keys, id, flipped));
        Assert.Throws<BackupCorruptException>(() => Opened(keys, id, stored[..20]));
        Assert.Throws<BackupCorruptException>(() => Opened(keys, keys.IdOf(Data(10, 11)), stored));
        Assert.Throws<BackupCorruptException>(() => Opened(BackupKeys.From(Data(32, 12)), id, stored));
        // More than the chunk may hold once decompressed (a bomb) is refused, not allocated.
        var text = Encoding.UTF8.GetBytes(new string('a', 100_000));
        Assert.Throws<BackupCorruptException>(() => ChunkSeal.Open(keys, keys.IdOf(text), Sealed(keys, keys.IdOf(text), text), maxLength: 50_000).Dispose());
    }

    [Fact]
    public void Chunk_ids_depend_on_the_key_so_they_say_nothing_across_environments()
    {
        var plain = Encoding.UTF8.GetBytes("same data");
        Assert.NotEqual(BackupKeys.From(Data(32, 13)).IdOf(plain), BackupKeys.From(Data(32, 14)).IdOf(plain));
        Assert.Equal(64, BackupKeys.From(Data(32, 13)).IdOf(plain).Length);
    }

    [Fact]
    public void A_manifest_opens_only_as_the_backup_it_was_sealed_for()
    {
        var keys = BackupKeys.From(Data(32, 15));
        var manifest = new BackupManifest("bone", "web_data", DateTimeOffset.UnixEpoch, 123, [new ChunkRef(new string('a', 64), 123)]);
        var stored = manifest.Seal(keys);
        Assert.Equal(manifest.Chunks, BackupManifest.Open(keys, "bone", stored).Chunks);
        Assert.Throws<BackupCorruptException>(() => BackupManifest.Open(keys, "btwo", stored));
    }

    [Theory]
    [InlineData("chunks/ab/abcdef", "abcdef")]
    [InlineData("manifests/b1", null)]
    public void Blob_names_give_back_their_chunk_ids(string name, string? id)
    {
        Assert.Equal(id, BackupLayout.ChunkIdOf(name));
        if (id is not null)
        {
            Assert.Equal(name, BackupLayout.ChunkBlob(id));
        }
    }

    private static byte[] Sealed(BackupKeys keys, string id, byte[] plain)
    {
        using var sealedChunk = ChunkSeal.Seal(keys, id, plain);
        return sealedChunk.Span.ToArray();
    }

    private static byte[] Opened(BackupKeys keys, string id, byte[] stored)
    {
        using var plain = ChunkSeal.Open(keys, id, stored, ChunkSizes.Default.Max);
        return plain.Span.ToArray();
    }

    /// <summary>A stream that hands out at most <c>readSize</c> bytes per read, as a pipe does.</summary>
    private sealed class TrickleStream(byte[] data, int readSize) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, readSize)], cancellationToken);
    }
}
