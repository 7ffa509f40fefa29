using Azure.Data.Tables;

namespace Rancher.Cloud.ControlPlane.Storage;

/// <summary>
/// A string longer than one Table Storage property (32K characters) split across numbered
/// properties (<c>Plan0</c>, <c>Plan1</c>, …); the entity's 1 MiB is the only limit left.
/// </summary>
public static class ChunkedProperty
{
    /// <summary>Characters of one chunk: a Table Storage string property holds 32K.</summary>
    public const int Chunk = 30_000;

    /// <summary>At most this many chunks: 16 × 30,000 characters are 960,000 bytes as UTF-16, under the entity's 1 MiB.</summary>
    public const int MaxChunks = 16;

    public static TableEntity WithChunks(this TableEntity row, string name, string text)
    {
        if (text.Length > Chunk * MaxChunks)
        {
            throw new InvalidOperationException($"{name} is {text.Length} characters, more than a row holds; its size must be bounded before it is stored.");
        }
        for (int i = 0, n = 0; i < text.Length; i += Chunk, n++)
        {
            row[$"{name}{n}"] = text.Substring(i, Math.Min(Chunk, text.Length - i));
        }
        return row;
    }

    /// <summary>The whole string; rows written before chunking hold it in the property itself.</summary>
    public static string Chunks(this TableEntity row, string name) =>
        row.GetString(name) ?? string.Concat(Enumerable.Range(0, MaxChunks).Select(n => row.GetString($"{name}{n}")).TakeWhile(s => s is not null));
}
