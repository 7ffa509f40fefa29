using System.Globalization;
using System.Text.Json.Nodes;
using Rancher.Cloud.Harness;

namespace Rancher.Cloud.Benchmarks;

/// <summary>
/// TCP throughput between two hosts with iperf3: container to container through the WireGuard
/// overlay, and host to host on the underlay, in the same run. Prints both and their ratio.
/// </summary>
public static class OverlayBenchmark
{
    private const string Image = "rancher-cloud-test/iperf3:1";

    public static async Task RunAsync(int seconds, int rounds)
    {
        await using var platform = await NamespacePlatform.StartAsync(2, Image);
        var services = await platform.DeployAsync("perf", $$"""
            services:
              server:
                image: {{Image}}
                command: ["iperf3", "-s"]
                labels: { "io.rancher.scheduler.affinity:host_label": "role=b" }
              client:
                image: {{Image}}
                command: ["sleep", "3600"]
                labels: { "io.rancher.scheduler.affinity:host_label": "role=a" }
            """);
        var serverAddress = (string)Instance(services, "server")["address"]!;
        var client = (string)Instance(services, "client")["containerId"]!;
        var (a, b) = (platform.Hosts[0], platform.Hosts[1]);

        Console.WriteLine($"iperf3, {seconds} s per measurement, {rounds} rounds, host A → host B (2 cores shared by both hosts, the tunnels and iperf3)");
        var overlay = new List<double>();
        var underlay = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            var (code, json) = await DockerExec.RunAsync(a.Docker, client, "iperf3", "-c", serverAddress, "-t", $"{seconds}", "-J");
            overlay.Add(code == 0 ? Gbits(json) : throw new InvalidOperationException(json));
            await b.RunAsync("iperf3", "-s", "-1", "-D");
            await Task.Delay(500);
            underlay.Add(Gbits(await a.RunAsync("iperf3", "-c", b.Address, "-t", $"{seconds}", "-J")));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  round {round}: overlay {overlay[^1]:0.00} Gbit/s, underlay {underlay[^1]:0.00} Gbit/s"));
        }
        var o = Stats.Median(overlay);
        var u = Stats.Median(underlay);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

            throughput A → B (median of {rounds})
              overlay, container to container through WireGuard: {o:0.00} Gbit/s
              underlay, host to host (baseline):                 {u:0.00} Gbit/s
              ratio overlay / underlay:                          {o / u:0.00}
            """));
    }

    private static JsonNode Instance(JsonArray services, string name) =>
        services.Single(s => (string?)s!["name"] == name)!["instances"]![0]!;

    private static double Gbits(string iperfJson) =>
        (double)JsonNode.Parse(iperfJson)!["end"]!["sum_received"]!["bits_per_second"]! / 1e9;
}
