using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Docker.DotNet.Models;
using Rancher.Cloud.Harness;

namespace Rancher.Cloud.Benchmarks;

/// <summary>
/// A rolling upgrade of N instances in batches of two (start-first, no minimum healthy time)
/// on a namespace host with a real agent, against the sum of the raw create+start times of the
/// same N containers made one by one through the same host's Docker API in the same round.
/// Prints both, and the overhead ratio.
/// </summary>
public static class UpgradeBenchmark
{
    private static readonly string[] Sleep = ["sleep", "3600"];

    public static async Task RunAsync(int count, int rounds)
    {
        await using var platform = await NamespacePlatform.StartAsync(1);
        var host = platform.Hosts[0];
        var service = await platform.PostAsync($"environments/{platform.EnvironmentId}/services",
            new { name = "web", image = LocalDocker.TestImage, command = Sleep, scale = count, environment = new Dictionary<string, string> { ["RELEASE"] = "0" } });
        var path = $"environments/{platform.EnvironmentId}/services/{(string)service["id"]!}";
        await Wait.UntilAsync(async () => Running(await ReadAsync(platform, path)) == count, TimeSpan.FromSeconds(120), $"{count} instances to run");

        Console.WriteLine($"Upgrade {count} instances in batches of 2 (start-first, minimum healthy time 0), {rounds} rounds after a warm-up, one namespace host");
        var direct = new List<double>();
        var upgrade = new List<double>();
        for (var round = 0; round <= rounds; round++)
        {
            var raw = await DirectAsync(host, $"rancher-{platform.EnvironmentId}", count, round);
            var clock = Stopwatch.StartNew();
            using (var patch = await platform.Api.PatchAsJsonAsync(path, new
            {
                environment = new Dictionary<string, string> { ["RELEASE"] = $"{round + 1}" },
                upgradePolicy = new { batchSize = 2, minHealthy = "0s", order = "start-first" },
            }))
            {
                patch.EnsureSuccessStatusCode();
            }
            await Wait.UntilAsync(async () => (string?)(await ReadAsync(platform, path))["upgrade"]?["state"] == "upgraded", TimeSpan.FromSeconds(300), "the upgrade to end");
            var upgraded = clock.Elapsed.TotalMilliseconds;
            if (round == 0)
            {
                continue; // warm-up: JIT, first queue polls
            }
            direct.Add(raw);
            upgrade.Add(upgraded);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  round {round}: raw create+start, summed {raw,6:0} ms   upgrade {upgraded,6:0} ms   ratio {upgraded / raw:0.00}"));
            // The drained old instances leave before the next round measures.
            await Wait.UntilAsync(async () => (await ReadAsync(platform, path))["instances"]!.AsArray().Count == count, TimeSpan.FromSeconds(60), "the old instances to go");
        }
        var (d, u) = (Stats.Median(direct), Stats.Median(upgrade));
        // The ratio is each round's own (both measured back to back), then the median of those.
        var ratio = Stats.Median(direct.Zip(upgrade, (raw, rolled) => rolled / raw).ToList());
        var batches = (count + 1) / 2;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            upgrade {count} instances, batches of 2 (median of {rounds} rounds)
              raw Docker create+start of the same {count}, summed: {d:0} ms
              rolling upgrade, PATCH → every instance upgraded:  {u:0} ms
              added per batch, beyond Docker's own time:         {(u - d) / batches:0} ms
              overhead ratio, median of the rounds' (aim ≤ 1.5): {ratio:0.00}
            """));
    }

    private static async Task<JsonNode> ReadAsync(NamespacePlatform platform, string path) =>
        JsonNode.Parse(await platform.Api.GetStringAsync(path))!;

    private static int Running(JsonNode service) =>
        service["instances"]!.AsArray().Count(i => (string?)i!["state"] == "running");

    /// <summary>Creates and starts the containers one by one, summing only the create and start calls.</summary>
    /// <summary>
    /// The same containers made straight through the Docker API, one after another: the image,
    /// command, environment and restart policy of the service, on the environment's network as the
    /// agent attaches them (an address on a user bridge costs Docker more than the default one).
    /// </summary>
    private static async Task<double> DirectAsync(NamespaceHost host, string network, int count, int round)
    {
        var total = 0.0;
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            var created = await host.Docker.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Name = $"bench-raw-{round}-{i}",
                Image = LocalDocker.TestImage,
                Cmd = Sleep,
                Env = [$"RELEASE={round}"],
                HostConfig = new HostConfig { RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.UnlessStopped }, NetworkMode = network },
            });
            await host.Docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
            total += clock.Elapsed.TotalMilliseconds;
            ids.Add(created.ID);
        }
        foreach (var id in ids)
        {
            await host.Docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true });
        }
        return total;
    }
}
