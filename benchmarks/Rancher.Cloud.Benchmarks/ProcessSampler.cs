using System.Globalization;

namespace Rancher.Cloud.Benchmarks;

/// <summary>Reads a process's resident memory and CPU time from /proc.</summary>
public sealed class ProcessSampler(int pid)
{
    /// <summary>Clock ticks per second of /proc/*/stat times (USER_HZ; 100 on Linux x86_64).</summary>
    private const double TicksPerSecond = 100;

    private (DateTime At, double CpuSeconds)? last;

    public sealed record Sample(DateTime At, double RssMb, double CpuPercent);

    public Sample Take()
    {
        var now = DateTime.UtcNow;
        var rssKb = File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        // Fields after the command name in parentheses; utime and stime are the 14th and 15th.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var cpu = (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        var percent = last is { } previous ? (cpu - previous.CpuSeconds) / (now - previous.At).TotalSeconds * 100 : 0;
        last = (now, cpu);
        return new Sample(now, double.Parse(rssKb, CultureInfo.InvariantCulture) / 1024, percent);
    }
}
