using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Rancher.Cloud.Harness;

namespace Rancher.Cloud.Benchmarks;

/// <summary>
/// A balancer service in front of two web instances, against the same load sent straight to one
/// of them, with wrk (Debian's) from the host in the same run: requests/s and p50/p99 of each,
/// and their ratios. All on one host, so the figures are the balancer's own cost, not the
/// overlay's (the host's own address cannot use the tunnel: only its containers' can). Then the
/// time from a scale change in the API to the new instance answering through the balancer.
/// </summary>
public static partial class BalancerBenchmark
{
    private const string Compose = """
        services:
          web:
            # HAProxy answering by itself (its container's hostname): a backend fast enough that the balancer's cost shows.
            image: rancher-cloud-test/haproxy:1
            command:
              - sh
              - -c
              - >-
                printf 'defaults\n mode http\n timeout client 30s\n timeout server 30s\n timeout connect 5s\nfrontend web\n bind :80\n http-request return status 200 content-type text/plain lf-string "HOSTNAME=%%[env(HOSTNAME)]\\n"\n' > /tmp/web.cfg
                && exec haproxy -db -f /tmp/web.cfg
            deploy: { replicas: 2 }
          lb:
            image: rancher/lb-service-haproxy
            ports: ["80:80"]
            lb_config:
              port_rules:
                - { source_port: 80, target_port: 80, service: web }
        """;

    public static async Task RunAsync(int seconds, int rounds)
    {
        await using var platform = await NamespacePlatform.StartAsync(1, "rancher-cloud-test/haproxy:1");
        var services = await platform.DeployAsync("shop", Compose);
        var web = services.Single(s => (string?)s!["name"] == "web")!;
        var lb = services.Single(s => (string?)s!["name"] == "lb")!;
        var webAddress = (string)web["instances"]![0]!["address"]!;
        var lbAddress = (string)lb["instances"]![0]!["address"]!;
        var edge = platform.Hosts[0];
        await Wait.UntilAsync(async () => (await WrkAsync(edge, lbAddress, 1)).Rps > 0, TimeSpan.FromSeconds(60), "the balancer to answer");

        Console.WriteLine($"Balancer: wrk -t2 -c16 for {seconds} s from the host, {rounds} rounds alternating; web: 2 HAProxy instances answering by themselves, on the same host");
        var direct = new List<Result>();
        var balanced = new List<Result>();
        for (var round = 0; round < rounds; round++)
        {
            direct.Add(await WrkAsync(edge, webAddress, seconds));
            balanced.Add(await WrkAsync(edge, lbAddress, seconds));
        }
        var (d, b) = (Median(direct), Median(balanced));
        // One connection, one request at a time: what the balancer adds to a request, without the
        // queueing of a saturated machine whose two cores also run wrk and the backends.
        var lightDirect = new List<Result>();
        var lightBalanced = new List<Result>();
        for (var round = 0; round < rounds; round++)
        {
            lightDirect.Add(await WrkAsync(edge, webAddress, seconds, connections: 1));
            lightBalanced.Add(await WrkAsync(edge, lbAddress, seconds, connections: 1));
        }
        var (ld, lb1) = (Median(lightDirect), Median(lightBalanced));

        // A scale change in the API until the new instance answers through the balancer, three times.
        var answered = new List<double>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var scale = 3; scale <= 5; scale++)
        {
            var before = await HostnamesAsync(http, edge.Address, 3 * scale);
            if (before.Count != scale - 1)
            {
                throw new InvalidOperationException($"{before.Count} instances answer through the balancer's published port, not {scale - 1}");
            }
            var clock = Stopwatch.StartNew();
            using var patch = await platform.Api.PatchAsJsonAsync($"environments/{platform.EnvironmentId}/services/{(string)web["id"]!}", new { scale });
            patch.EnsureSuccessStatusCode();
            await Wait.UntilAsync(async () => (await HostnamesAsync(http, edge.Address, 1)).Except(before).Any(), TimeSpan.FromSeconds(60), "the new instance to answer");
            answered.Add(clock.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

            Through the balancer vs straight to one backend (median of {rounds})
              direct to {webAddress}:80:    {d.Rps,9:0} requests/s, p50 {d.P50:0.000} ms, p99 {d.P99:0.000} ms
              balancer at {lbAddress}:80:    {b.Rps,9:0} requests/s, p50 {b.P50:0.000} ms, p99 {b.P99:0.000} ms
              throughput ratio balancer / direct: {b.Rps / d.Rps:0.00}   (aim: at least 0.70)
              added latency at p50 under saturation: {b.P50 - d.P50:0.000} ms; at p99: {b.P99 - d.P99:0.000} ms
            One connection (no queueing), median of {rounds}
              direct:   {ld.Rps,9:0} requests/s, p50 {ld.P50:0.000} ms, p99 {ld.P99:0.000} ms
              balancer: {lb1.Rps,9:0} requests/s, p50 {lb1.P50:0.000} ms, p99 {lb1.P99:0.000} ms
              added latency at p50: {lb1.P50 - ld.P50:0.000} ms   (aim: at most 0.3 ms); at p99: {lb1.P99 - ld.P99:0.000} ms
            Scale change in the API to the new instance answering through the balancer
              {string.Join(", ", answered.Select(a => $"{a:0} ms"))}; median {Stats.Median(answered):0} ms   (aim: at most 2000 ms)
            """));
    }

    private sealed record Result(double Rps, double P50, double P99);

    private static Result Median(List<Result> results) =>
        new(Stats.Median(results.Select(r => r.Rps).ToList()), Stats.Median(results.Select(r => r.P50).ToList()), Stats.Median(results.Select(r => r.P99).ToList()));

    private static async Task<Result> WrkAsync(NamespaceHost host, string address, int seconds, int connections = 16)
    {
        int code;
        string text;
        try
        {
            (code, text) = await Shell.RunUntilExitAsync(TimeSpan.FromSeconds(seconds + 30), "nsenter",
                $"--net={host.NetnsPath}", "wrk", connections > 1 ? "-t2" : "-t1", $"-c{connections}", $"-d{seconds}s", "--timeout", "2s", "--latency", $"http://{address}:80/index.html");
        }
        catch (OperationCanceledException)
        {
            return new Result(0, double.NaN, double.NaN); // no connection ever answered
        }
        if (code != 0 || RequestsPerSecond().Match(text) is not { Success: true } rps)
        {
            return new Result(0, double.NaN, double.NaN);
        }
        return new Result(double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture), Latency(text, "50%"), Latency(text, "99%"));
    }

    /// <summary>A percentile of wrk's latency distribution, in milliseconds.</summary>
    private static double Latency(string text, string percentile)
    {
        var match = Regex.Match(text, $@"^\s*{Regex.Escape(percentile)}\s+([0-9.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    /// <summary>Which instances answer <paramref name="requests"/> requests through the balancer's published port.</summary>
    private static async Task<HashSet<string>> HostnamesAsync(HttpClient http, string address, int requests)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < requests; i++)
        {
            try
            {
                var env = await http.GetStringAsync($"http://{address}:80/cgi-bin/env");
                seen.Add(env.Split('\n').First(l => l.StartsWith("HOSTNAME=", StringComparison.Ordinal))["HOSTNAME=".Length..].Trim());
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not answering yet.
            }
        }
        return seen;
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();
}
