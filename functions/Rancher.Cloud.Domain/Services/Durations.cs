using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Rancher.Cloud.Domain.Services;

/// <summary>Durations as compose writes them (Go's syntax): <c>1m30s</c>, <c>500ms</c>, <c>1.5s</c>.</summary>
public static partial class Durations
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        var matches = Part().Matches(text);
        if (matches.Count == 0 || matches.Sum(m => m.Length) != text.Length)
        {
            return false;
        }
        var ticks = 0.0;
        foreach (Match m in matches)
        {
            var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            ticks += value * m.Groups[2].Value switch
            {
                "h" => TimeSpan.TicksPerHour,
                "m" => TimeSpan.TicksPerMinute,
                "s" => TimeSpan.TicksPerSecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "us" => TimeSpan.TicksPerMicrosecond,
                _ => 1.0 / TimeSpan.NanosecondsPerTick,
            };
        }
        if (ticks > TimeSpan.FromDays(365).Ticks)
        {
            return false;
        }
        duration = TimeSpan.FromTicks((long)ticks);
        return true;
    }

    /// <summary>The shortest compose spelling: <c>1m30s</c>, <c>250ms</c>, <c>0s</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }
        var text = new StringBuilder();
        if (duration.Hours + (duration.Days * 24) > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{(int)duration.TotalHours}h");
        }
        if (duration.Minutes > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{duration.Minutes}m");
        }
        if (duration.Seconds > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{duration.Seconds}s");
        }
        if (duration.Milliseconds > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{duration.Milliseconds}ms");
        }
        return text.ToString();
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();
}
