using System.Globalization;
using System.Text.RegularExpressions;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Services;

/// <summary>
/// Options of the log drivers that keep logs on the host (json-file, local), checked as Docker
/// checks them, which it does only when the container is made: an unknown option, a bad size or
/// count, compression with nothing to rotate. Every driver also takes Docker's own <c>mode</c>
/// and <c>max-buffer-size</c>; other drivers' options are theirs to judge (and Docker ignores
/// the options of <c>none</c>).
/// </summary>
public static partial class LogOptions
{
    private static readonly Dictionary<string, string[]> Known = new(StringComparer.Ordinal)
    {
        ["json-file"] = ["max-size", "max-file", "compress", "labels", "labels-regex", "env", "env-regex", "tag"],
        ["local"] = ["max-size", "max-file", "compress"],
    };

    private static readonly string[] Docker = ["mode", "max-buffer-size"];

    public static void Check(string driver, IReadOnlyDictionary<string, string> options, string field, FieldErrors errors)
    {
        if (!Known.TryGetValue(driver, out var known))
        {
            return;
        }
        foreach (var (key, value) in options)
        {
            var reason = key switch
            {
                _ when !known.Contains(key) && !Docker.Contains(key) => $"'{driver}' takes {string.Join(", ", known.Concat(Docker))}",
                "max-size" or "max-buffer-size" when Size(value) is not > 0 => "must be a size of at least one byte, such as '10m'",
                "max-file" when Count(value) is not >= 1 => "must be a count of files from 1",
                "compress" when Flag(value) is null => "must be 'true' or 'false'",
                "mode" when value is not ("blocking" or "non-blocking") => "must be 'blocking' or 'non-blocking'",
                _ => null,
            };
            if (reason is not null)
            {
                errors.Add($"{field}.{key}", reason);
            }
        }
        // json-file compresses only when asked, local unless told not to; either needs a file to rotate to.
        var compress = options.TryGetValue("compress", out var flag) ? Flag(flag) : driver == "local";
        var files = options.TryGetValue("max-file", out var count) ? Count(count) : driver == "local" ? 5 : 1;
        if (compress == true && files is { } rotated && (rotated < 2 || (driver == "json-file" && !options.ContainsKey("max-size"))))
        {
            errors.Add($"{field}.compress", $"compressed logs need rotation: {(driver == "local" ? "" : "'max-size' set and ")}'max-file' of at least 2{(driver == "local" ? " (or 'compress: false')" : "")}");
        }
    }

    /// <summary>Bytes of a size as Docker reads one (<c>10m</c>, <c>1.5g</c>, <c>50 MB</c>, <c>10MiB</c>), rounded down; null when it is none.</summary>
    private static long? Size(string text)
    {
        var match = SizePattern().Match(text);
        if (!match.Success || (match.Groups[3].Value.StartsWith('i') || match.Groups[3].Value.StartsWith('I')) && match.Groups[2].Length == 0
            || !decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }
        var shift = "kmgtp".IndexOf(char.ToLowerInvariant(match.Groups[2].Value.FirstOrDefault('b')), StringComparison.Ordinal) + 1;
        var bytes = number * (decimal)Math.Pow(1024, shift);
        return bytes > long.MaxValue ? null : (long)decimal.Floor(bytes);
    }

    private static int? Count(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : null;

    /// <summary>As Go's ParseBool reads it, which is how Docker reads <c>compress</c>.</summary>
    private static bool? Flag(string text) => text switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => null,
    };

    [GeneratedRegex(@"^([0-9]{1,15}(?:\.[0-9]{1,6})?) ?([kKmMgGtTpP]?)([iI]?[bB])?\z")]
    private static partial Regex SizePattern();
}
