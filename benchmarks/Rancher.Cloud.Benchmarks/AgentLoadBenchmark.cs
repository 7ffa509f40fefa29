using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Benchmarks;

/// <summary>
/// The control plane under N simulated agents, each heartbeating every 15 s and fetching its
/// plan with If-None-Match, as real agents do when idle. Prints p50/p99 and errors per call,
/// a storage point read measured in the same run as the baseline, and where the design stands
/// against Table Storage's ~2,000 operations/s per partition.
/// </summary>
public static class AgentLoadBenchmark
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan Cycle = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Operations an idle host's two calls make on its environment's partition per cycle (counted from
    /// AgentService): the heartbeat reads the host row, writes it under its ETag (the clone watch) and
    /// reads the plan's version; the plan fetch reads the plan.
    /// </summary>
    private const int EnvironmentOps = 4;

    private sealed record SimulatedAgent(string HostId, string Credential, HostFacts Facts);

    public static async Task RunAsync(int agents, int environments, int seconds)
    {
        await using var controlPlane = await ControlPlaneProcess.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(controlPlane.Url + "/"),
            Timeout = TimeSpan.FromSeconds(30),
        };

        Console.WriteLine($"Registering {agents} simulated agents over {environments} environments…");
        var simulated = await RegisterAsync(http, agents, environments);

        var baseline = await PointReadBaselineAsync(controlPlane.StorageConnection);
        Console.WriteLine($"Running {seconds} s: every agent heartbeats and fetches its plan (If-None-Match) every {Cycle.TotalSeconds:0} s.");
        var heartbeats = new ConcurrentBag<double>();
        var plans = new ConcurrentBag<double>();
        var errors = new ConcurrentDictionary<string, int>();
        var stop = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(simulated.Select((agent, i) => RunAgentAsync(http, agent, Cycle * i / simulated.Count, stop, heartbeats, plans, errors)));
        var elapsed = watch.Elapsed.TotalSeconds;

        var hb = heartbeats.ToList();
        var pl = plans.ToList();
        var rate = (hb.Count + pl.Count) / elapsed;
        var perEnvironment = agents / (double)environments;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

            {agents} agents, {environments} environments, {elapsed:0} s, {rate:0} requests/s
              heartbeat  (n={hb.Count}):  p50 {Stats.Percentile(hb, 50):0.0} ms   p99 {Stats.Percentile(hb, 99):0.0} ms
              plan 304   (n={pl.Count}):  p50 {Stats.Percentile(pl, 50):0.0} ms   p99 {Stats.Percentile(pl, 99):0.0} ms
              errors: {(errors.IsEmpty ? "0" : string.Join(", ", errors.Select(e => $"{e.Key}×{e.Value}")))}
              baseline, one Table point read against the same Azurite: p50 {baseline.P50:0.0} ms   p99 {baseline.P99:0.0} ms
              ratio heartbeat p50 / point read p50: {Stats.Percentile(hb, 50) / baseline.P50:0.0}

            Table Storage, per partition (~2,000 operations/s each):
              an idle agent costs per 15 s: heartbeat = 1 credential read (its own partition) + 1 host read + 1 host write under its ETag
              + 1 plan version read (environment partition); plan = 1 credential read + 1 plan read.
              environment partition: {EnvironmentOps} operations / 15 s per host = {EnvironmentOps / 15.0:0.00}/s per host;
              at {perEnvironment:0} hosts per environment: {perEnvironment * EnvironmentOps / 15:0} ops/s, {perEnvironment * EnvironmentOps / 15 / 2000:P1} of one partition;
              one environment reaches the limit near {2000 / (EnvironmentOps / 15.0):0} hosts (before reconcile traffic).
              credentials are one partition per host, so they never gather on one partition.
            """));
    }

    private static async Task<List<SimulatedAgent>> RegisterAsync(HttpClient http, int agents, int environments)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ControlPlaneProcess.AdminKey);
        var tokens = new List<string>();
        for (var e = 0; e < environments; e++)
        {
            var env = await PostAsync(http, "api/v1/environments", new { name = $"load-{e}" });
            tokens.Add((string)(await PostAsync(http, $"api/v1/environments/{env["id"]}/registrationTokens", null))["token"]!);
        }
        http.DefaultRequestHeaders.Authorization = null;
        var simulated = new ConcurrentBag<SimulatedAgent>();
        await Parallel.ForEachAsync(Enumerable.Range(0, agents), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var facts = new HostFacts($"sim-{i}", "20.10.24", 2, 4L << 30, "Debian", "x86_64") { Incarnation = $"sim{i:D6}" };
            var request = new RegistrationRequest(tokens[i % tokens.Count], facts) { RegistrationId = Guid.NewGuid().ToString("N") };
            var response = (await PostAsync(http, AgentRoutes.Register, request)).Deserialize<RegistrationResponse>(Json)!;
            simulated.Add(new SimulatedAgent(response.HostId, response.Credential, facts));
        });
        return [.. simulated];
    }

    private static async Task RunAgentAsync(
        HttpClient http, SimulatedAgent agent, TimeSpan offset, DateTime stop,
        ConcurrentBag<double> heartbeats, ConcurrentBag<double> plans, ConcurrentDictionary<string, int> errors)
    {
        await Task.Delay(offset);
        string? etag = null;
        while (DateTime.UtcNow < stop)
        {
            var next = DateTime.UtcNow + Cycle;
            await TimedAsync(heartbeats, errors, "heartbeat", () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, AgentRoutes.Heartbeat) { Content = JsonContent.Create(new Heartbeat(agent.Facts, 1), options: Json) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agent.Credential);
                return http.SendAsync(request);
            });
            await TimedAsync(plans, errors, "plan", async () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, AgentRoutes.Plan);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agent.Credential);
                if (etag is not null)
                {
                    request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
                }
                var response = await http.SendAsync(request);
                etag = response.Headers.ETag?.ToString() ?? etag;
                return response;
            });
            var wait = next - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
        }
    }

    private static async Task TimedAsync(ConcurrentBag<double> samples, ConcurrentDictionary<string, int> errors, string what, Func<Task<HttpResponseMessage>> call)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await call();
            samples.Add(watch.Elapsed.TotalMilliseconds);
            if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotModified)
            {
                errors.AddOrUpdate($"{what} {(int)response.StatusCode}", 1, (_, n) => n + 1);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            errors.AddOrUpdate($"{what} {e.GetType().Name}", 1, (_, n) => n + 1);
        }
    }

    /// <summary>The storage round trip every request is built from: a point read, measured now, against the same Azurite.</summary>
    private static async Task<(double P50, double P99)> PointReadBaselineAsync(string connection)
    {
        var table = new TableServiceClient(connection).GetTableClient("benchbaseline");
        await table.CreateIfNotExistsAsync();
        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["V"] = 1 });
        var samples = new List<double>();
        for (var i = 0; i < 500; i++)
        {
            var watch = Stopwatch.StartNew();
            await table.GetEntityAsync<TableEntity>("p", "r");
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        return (Stats.Percentile(samples, 50), Stats.Percentile(samples, 99));
    }

    private static async Task<JsonNode> PostAsync(HttpClient http, string path, object? body)
    {
        using var response = await http.PostAsync(path, body is null ? null : JsonContent.Create(body, options: Json));
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? JsonNode.Parse(text)! : throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
    }
}
