using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Rancher.Cloud.Harness;

namespace Rancher.Cloud.Benchmarks;

/// <summary>
/// The agent's DNS responder under dnsperf (Debian's), from inside its host, against dnsmasq
/// answering the same names on the same host in the same run: queries per second at full load,
/// and p50/p99 latency of a probe while dnsperf holds a steady load.
/// </summary>
public static partial class DnsBenchmark
{
    public static async Task RunAsync(int seconds)
    {
        await using var platform = await NamespacePlatform.StartAsync(1);
        await platform.DeployAsync("shop", """
            services:
              web:
                image: rancher-cloud-test/web:1
                deploy: { replicas: 3 }
            """);
        var host = platform.Hosts[0];
        var domain = $"{platform.EnvironmentName}.rancher.internal";
        var plan = await Wait.ForAsync(async () =>
        {
            var (_, text) = await Shell.RunUntilExitAsync(TimeSpan.FromSeconds(5), "nsenter", $"--net={host.NetnsPath}", "ip", "-4", "-o", "addr");
            return Gateway().Match(text) is { Success: true } m ? m.Groups[1].Value : null;
        }, TimeSpan.FromSeconds(30), "the environment bridge");
        var names = new[] { $"web.shop.{domain}", $"shop-web-1.{domain}", $"shop-web-2.{domain}", "web.shop", $"nothing.shop.{domain}" };
        var queries = Path.GetTempFileName();
        await File.WriteAllLinesAsync(queries, names.Select(n => $"{n} A"));
        var addresses = new[] { "10.42.0.2", "10.42.0.3", "10.42.0.4" };

        // The baseline: dnsmasq with the same names, authoritative for the same domain, in the same host.
        var records = names.Where(n => !n.StartsWith("nothing", StringComparison.Ordinal))
            .Select(n => $"--host-record={n},{(n.StartsWith("shop-web-2", StringComparison.Ordinal) ? addresses[1] : addresses[0])}");
        using var dnsmasq = Process.Start(new ProcessStartInfo("nsenter",
            [$"--net={host.NetnsPath}", "dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts", "--port=5353", "--listen-address=127.0.0.1",
             "--bind-interfaces", $"--local=/{domain}/", "--local=/shop/", "--cache-size=1000", .. records]) { RedirectStandardError = true })!;
        await Task.Delay(1000);
        try
        {
            Console.WriteLine($"DNS, {seconds} s per measurement, from inside the host (2 cores shared by dnsperf and the server)");
            var responder = await MeasureAsync(host, plan, 53, queries, seconds);
            var baseline = await MeasureAsync(host, "127.0.0.1", 5353, queries, seconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

                DNS queries ({string.Join(", ", names)})
                  agent responder (ARSoft.Tools.Net) at {plan}:53: {responder.Qps,8:0} queries/s, probe under {responder.SteadyQps:0}/s load: p50 {responder.P50:0.00} ms, p99 {responder.P99:0.00} ms
                  dnsmasq (baseline) at 127.0.0.1:5353:     {baseline.Qps,8:0} queries/s, probe under {baseline.SteadyQps:0}/s load: p50 {baseline.P50:0.00} ms, p99 {baseline.P99:0.00} ms
                  ratio responder / dnsmasq queries/s:     {responder.Qps / baseline.Qps:0.00}   (aim: 33,000/s, CoreDNS on 2 vCPU)
                """));
        }
        finally
        {
            dnsmasq.Kill();
            File.Delete(queries);
        }
    }

    private sealed record Result(double Qps, double SteadyQps, double P50, double P99);

    private static async Task<Result> MeasureAsync(NamespaceHost host, string server, int port, string queries, int seconds)
    {
        var full = await DnsperfAsync(host, server, port, queries, seconds, rate: null);
        // Latency under a steady half load: dnsperf holds the rate while a probe inside the host times single queries.
        var steady = Math.Round(full / 2);
        var load = DnsperfAsync(host, server, port, queries, seconds, steady);
        var (_, probe) = await Shell.RunUntilExitAsync(TimeSpan.FromSeconds(seconds + 30), "nsenter",
            $"--net={host.NetnsPath}", "dotnet", typeof(DnsBenchmark).Assembly.Location, "dns-probe", server, $"{port}", $"{seconds - 1}");
        await load;
        var latencies = probe.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => double.TryParse(l, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN)
            .Where(v => !double.IsNaN(v)).ToList();
        return new Result(full, steady, Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 99));
    }

    private static async Task<double> DnsperfAsync(NamespaceHost host, string server, int port, string queries, int seconds, double? rate)
    {
        string[] limit = rate is { } r ? ["-Q", r.ToString("0", CultureInfo.InvariantCulture)] : [];
        var (_, text) = await Shell.RunUntilExitAsync(TimeSpan.FromSeconds(seconds + 30), "nsenter",
            [$"--net={host.NetnsPath}", "dnsperf", "-s", server, "-p", $"{port}", "-d", queries, "-l", $"{seconds}", "-c", "8", "-q", "500", .. limit]);
        var qps = Qps().Match(text);
        return qps.Success ? double.Parse(qps.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException(text);
    }

    /// <summary>Run inside the host's namespace: one query at a time for a while, printing each round trip in ms.</summary>
    public static async Task ProbeAsync(string server, int port, int seconds)
    {
        var client = new DnsClient([IPAddress.Parse(server)], [new UdpClientTransport(port)], true, 1000);
        var name = DomainName.Parse("web.shop");
        var until = Stopwatch.StartNew();
        while (until.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            var watch = Stopwatch.StartNew();
            await client.ResolveAsync(name, RecordType.A);
            Console.WriteLine(watch.Elapsed.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture));
            await Task.Delay(2);
        }
    }

    [GeneratedRegex(@"Queries per second:\s+([0-9.]+)")]
    private static partial Regex Qps();

    [GeneratedRegex(@"inet (10\.[0-9.]+\.1)/24")]
    private static partial Regex Gateway();
}
