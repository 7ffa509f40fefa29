using System.Globalization;
using System.Text.RegularExpressions;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>compose's byte sizes: <c>512m</c>, <c>1g</c>, <c>1.5gb</c>, <c>2048</c> (bytes), binary multiples as Docker reads them.</summary>
public static partial class ByteSize
{
    /// <summary>1 PiB: more than any machine has, and far from overflowing.</summary>
    public const long MaxBytes = 1L << 50;

    public static long? Parse(ComposeNode node)
    {
        var text = node.Text();
        var match = text is null ? null : Pattern().Match(text);
        if (match is not { Success: true })
        {
            node.Error("must be a size such as '512m' or '1g'");
            return null;
        }
        var unit = match.Groups[2].Value.ToLowerInvariant().TrimEnd('b', 'i');
        var factor = unit switch { "" => 1L, "k" => 1L << 10, "m" => 1L << 20, "g" => 1L << 30, _ => 1L << 40 };
        // Parsed as decimal and bounded, so a size of twenty digits is refused rather than saturated.
        if (!decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            || number > (decimal)MaxBytes / factor)
        {
            node.Error($"must be at most {Format(MaxBytes)}");
            return null;
        }
        // Rounded down as Docker rounds 1.2g; a size that rounds to nothing would silently mean "no limit".
        var bytes = (long)decimal.Floor(number * factor);
        if (bytes == 0 && number > 0)
        {
            node.Error("must be at least one byte");
            return null;
        }
        return bytes;
    }

    /// <summary>The shortest exact spelling: <c>512m</c>, <c>1g</c>, or bytes.</summary>
    public static string Format(long bytes) =>
        bytes % (1L << 30) == 0 ? $"{bytes >> 30}g"
        : bytes % (1L << 20) == 0 ? $"{bytes >> 20}m"
        : bytes % (1L << 10) == 0 ? $"{bytes >> 10}k"
        : bytes.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^([0-9]+(?:\\.[0-9]+)?)\\s*([kKmMgGtT]?[iI]?[bB]?)\\z")]
    private static partial Regex Pattern();
}
