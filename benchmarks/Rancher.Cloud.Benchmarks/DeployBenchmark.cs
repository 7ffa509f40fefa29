using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Docker.DotNet.Models;
using Rancher.Cloud.ControlPlane.Signals;
using Rancher.Cloud.Harness;
using Rancher.Cloud.SelfHost;

namespace Rancher.Cloud.Benchmarks;

/// <summary>
/// Deploys N containers through the platform (API → reconcile → signal → agent → Docker) and,
/// in the same run, creates and starts the same N containers directly through the Docker API.
/// Prints both times, their ratio, and p50/p99 of signal → running.
/// </summary>
public static class DeployBenchmark
{
    private static readonly string[] Sleep = ["sleep", "3600"];

    /// <summary>The agent converges this many containers at a time; the fair direct baseline does the same.</summary>
    private const int AgentParallelism = 4;

    private sealed record Round(double DirectMs, double DirectParallelMs, double PlatformMs, double DockerRunningMs, List<double> SignalToRunningMs);

    public static async Task RunAsync(int count, int rounds)
    {
        await LocalDocker.RemoveUnusedPlatformNetworksAsync(); // left by a killed run, they would overlap this run's
        await using var azurite = await Azurite.StartAsync();
        var url = $"http://127.0.0.1:{Azurite.FreePort()}";
        const string adminKey = "benchmark-admin-key";
        TimedSignals? timed = null;
        await using var app = SelfHostApp.Build(["--urls", url], new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["RancherCloud:AdminKey"] = adminKey,
            ["RancherCloud:PublicUrl"] = url,
            ["Logging:LogLevel:Default"] = "Warning",
        }, services =>
        {
            var real = services.Last(d => d.ServiceType == typeof(IAgentSignals));
            services.Remove(real);
            services.AddSingleton<IAgentSignals>(sp => timed = new TimedSignals((IAgentSignals)real.ImplementationFactory!(sp), TimeProvider.System));
        });
        await app.StartAsync();
        using var api = new HttpClient { BaseAddress = new Uri(url + "/api/v1/") };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);

        var envId = (string)(await PostAsync(api, "environments", new { name = "bench" }))["id"]!;
        var token = (string)(await PostAsync(api, $"environments/{envId}/registrationTokens", null))["token"]!;
        // The agent's default poll interval: convergence must come from the signal, not from polling.
        await using var agent = await AgentProcess.RegisterAsync(url, token, TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(2)); // first heartbeat: the agent is listening for signals

        Console.WriteLine($"Deploying {count} containers, {rounds} rounds (plus one warm-up), agent pid polling every 10 s.");
        var results = new List<Round>();
        for (var round = 0; round <= rounds; round++)
        {
            var direct = await DirectAsync(count, round, parallelism: 1);
            var directParallel = await DirectAsync(count, round, AgentParallelism);
            var (platformMs, dockerMs, latencies) = await PlatformAsync(api, envId, agent.HostId, count, round, () => timed!);
            if (round == 0)
            {
                continue; // warm-up: JIT, image cache, first queue polls
            }
            results.Add(new Round(direct, directParallel, platformMs, dockerMs, latencies));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {round}: direct {direct,6:0} ms, {AgentParallelism} at a time {directParallel,6:0} ms   platform {platformMs,6:0} ms (in Docker {dockerMs:0} ms)   ratio {platformMs / directParallel:0.00}"));
        }

        var all = results.SelectMany(r => r.SignalToRunningMs).ToList();
        var directMedian = Stats.Median(results.Select(r => r.DirectMs).ToList());
        var parallelMedian = Stats.Median(results.Select(r => r.DirectParallelMs).ToList());
        var platformMedian = Stats.Median(results.Select(r => r.PlatformMs).ToList());
        var dockerMedian = Stats.Median(results.Select(r => r.DockerRunningMs).ToList());
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            deploy {count} containers (median of {rounds} rounds)
              direct Docker API, create+start one by one:     {directMedian:0} ms
              direct Docker API, {AgentParallelism} at a time (as the agent): {parallelMedian:0} ms
              platform, POST → API shows all running:         {platformMedian:0} ms
              platform, POST → all running in Docker:         {dockerMedian:0} ms
              ratio platform / direct {AgentParallelism} at a time:         {platformMedian / parallelMedian:0.00}
              ratio platform / direct one by one:             {platformMedian / directMedian:0.00}
              signal → running, per container (n={all.Count}):  p50 {Stats.Percentile(all, 50):0} ms   p99 {Stats.Percentile(all, 99):0} ms
            """));
    }

    private static async Task<double> DirectAsync(int count, int round, int parallelism)
    {
        var docker = LocalDocker.Client;
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, ct) =>
        {
            var created = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Name = $"bench-direct-{round}-{parallelism}-{i}",
                Image = LocalDocker.TestImage,
                Cmd = ["sleep", "3600"],
                HostConfig = new HostConfig { RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.UnlessStopped } },
            }, ct);
            await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), ct);
            ids.Add(created.ID);
        });
        var elapsed = watch.Elapsed.TotalMilliseconds;
        foreach (var id in ids)
        {
            await docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true });
        }
        return elapsed;
    }

    private static async Task<(double PlatformMs, double DockerMs, List<double> SignalToRunning)> PlatformAsync(
        HttpClient api, string envId, string hostId, int count, int round, Func<TimedSignals> timed)
    {
        var started = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var service = await PostAsync(api, $"environments/{envId}/services",
            new { name = $"bench-{round}", image = LocalDocker.TestImage, command = Sleep, scale = count });
        var serviceId = (string)service["id"]!;
        while (true)
        {
            var instances = (await api.GetFromJsonAsync<JsonNode>($"environments/{envId}/services/{serviceId}"))!["instances"]!.AsArray();
            if (instances.Count == count && instances.All(i => (string?)i!["state"] == "running"))
            {
                break;
            }
            if (watch.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"{count} instances not running after 2 minutes");
            }
            await Task.Delay(50);
        }
        var platformMs = watch.Elapsed.TotalMilliseconds;

        // The first plan version signalled for this host after the POST carried the new instances.
        var signalledAt = timed().Sent.Where(s => s.Key.Host == hostId && s.Value >= started).Min(s => s.Value);
        var runningAt = new List<DateTimeOffset>();
        foreach (var container in await LocalDocker.OfServiceAsync(hostId, serviceId))
        {
            var inspected = await LocalDocker.Client.Containers.InspectContainerAsync(container.ID);
            runningAt.Add(DockerTime(inspected.State!.StartedAt));
        }
        var signalToRunning = runningAt.Select(t => (t - signalledAt).TotalMilliseconds).ToList();
        var dockerMs = (runningAt.Max() - started).TotalMilliseconds;

        using var deleted = await api.DeleteAsync($"environments/{envId}/services/{serviceId}");
        deleted.EnsureSuccessStatusCode();
        while ((await LocalDocker.OfServiceAsync(hostId, serviceId)).Count > 0)
        {
            await Task.Delay(100);
        }
        return (platformMs, dockerMs, signalToRunning);
    }

    /// <summary>Docker's RFC 3339 times carry nanoseconds; .NET parses up to 7 fractional digits.</summary>
    private static DateTimeOffset DockerTime(string value)
    {
        var dot = value.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            var end = value.IndexOfAny(['Z', '+', '-'], dot);
            var fraction = value[(dot + 1)..end];
            value = value[..(dot + 1)] + (fraction.Length > 7 ? fraction[..7] : fraction) + value[end..];
        }
        return DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);
    }

    private static async Task<JsonNode> PostAsync(HttpClient api, string path, object? body)
    {
        using var response = await api.PostAsync(path, body is null ? null : JsonContent.Create(body));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        }
        return JsonNode.Parse(text)!;
    }
}
