using System.Globalization;

namespace Rancher.Cloud.Benchmarks;

/// <summary>
/// Reads the resident memory and CPU time of a process and of what it runs: its descendants,
/// and the <c>wireguard-go</c> that serves its tunnel (which daemonizes, so it is nobody's child).
/// </summary>
public sealed class ProcessSampler(int pid, string? tunnelInterface = null)
{
    /// <summary>Clock ticks per second of /proc/*/stat times (USER_HZ; 100 on Linux x86_64).</summary>
    private const double TicksPerSecond = 100;

    private (DateTime At, double CpuSeconds)? last;

    public sealed record Sample(DateTime At, double RssMb, double CpuPercent, int Processes);

    public Sample Take()
    {
        var now = DateTime.UtcNow;
        var pids = Tree();
        double rssKb = 0, cpu = 0;
        foreach (var member in pids)
        {
            try
            {
                rssKb += double.Parse(File.ReadAllLines($"/proc/{member}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                var fields = StatFields(member);
                cpu += (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Gone between the listing and the read.
            }
        }
        // A process that exited takes its CPU time with it: never a negative share.
        var percent = last is { } previous ? Math.Max(0, (cpu - previous.CpuSeconds) / (now - previous.At).TotalSeconds * 100) : 0;
        last = (now, cpu);
        return new Sample(now, rssKb / 1024, percent, pids.Count);
    }

    /// <summary>The process, its descendants, and its tunnel's wireguard-go.</summary>
    private List<int> Tree()
    {
        var parents = new Dictionary<int, int>();
        var tunnel = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var candidate))
            {
                continue;
            }
            try
            {
                parents[candidate] = int.Parse(StatFields(candidate)[1], CultureInfo.InvariantCulture);
                if (tunnelInterface is not null && File.ReadAllText($"/proc/{candidate}/cmdline").Split('\0') is [var command, var name, ..]
                    && Path.GetFileName(command) == "wireguard-go" && name == tunnelInterface)
                {
                    tunnel.Add(candidate);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone between the listing and the read.
            }
        }
        var members = new List<int> { pid };
        for (var i = 0; i < members.Count; i++)
        {
            members.AddRange(parents.Where(p => p.Value == members[i]).Select(p => p.Key));
        }
        return members.Concat(tunnel).Distinct().ToList();
    }

    /// <summary>The fields of /proc/N/stat after the command name in parentheses: state, ppid, …, utime (11), stime (12).</summary>
    private static string[] StatFields(int process)
    {
        var stat = File.ReadAllText($"/proc/{process}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }
}
