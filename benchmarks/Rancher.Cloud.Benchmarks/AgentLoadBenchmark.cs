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
/// The control plane under N simulated agents behaving as idle real ones do: heartbeat every
/// 15 s, poll the plan with If-None-Match every 10 s, report at least once a minute. Prints p50/p99 and errors per call,
/// a storage point read measured in the same run as the baseline, and where the design stands
/// against Table Storage's ~2,000 operations/s per partition.
/// </summary>
public static class AgentLoadBenchmark
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan HeartbeatCycle = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan PollCycle = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ReportCycle = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Operations an idle host makes on its environment's partition per second (counted from
    /// AgentService): a heartbeat reads the host row, writes it under its ETag (the clone watch) and
    /// reads the plan's version; a poll reads the plan; a report reads the plan and the host row.
    /// </summary>
    private const double EnvironmentOpsPerSecond = 3 / 15.0 + 1 / 10.0 + 2 / 60.0;

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
        Console.WriteLine($"Running {seconds} s: every agent heartbeats every {HeartbeatCycle.TotalSeconds:0} s, polls its plan (If-None-Match) every {PollCycle.TotalSeconds:0} s and reports every {ReportCycle.TotalSeconds:0} s, as idle agents do.");
        var samples = new Samples();
        var errors = new ConcurrentDictionary<string, int>();
        var stop = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(simulated.Select((agent, i) => RunAgentAsync(http, agent, PollCycle * i / simulated.Count, stop, samples, errors)));
        var elapsed = watch.Elapsed.TotalSeconds;

        var hb = samples.Heartbeats.ToList();
        var pl = samples.Plans.ToList();
        var rp = samples.Reports.ToList();
        var rate = (hb.Count + pl.Count + rp.Count) / elapsed;
        var perEnvironment = agents / (double)environments;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

            {agents} agents, {environments} environments, {elapsed:0} s, {rate:0} requests/s
              heartbeat  (n={hb.Count}):  p50 {Stats.Percentile(hb, 50):0.0} ms   p99 {Stats.Percentile(hb, 99):0.0} ms
              plan poll  (n={pl.Count}):  p50 {Stats.Percentile(pl, 50):0.0} ms   p99 {Stats.Percentile(pl, 99):0.0} ms
              report     (n={rp.Count}):  p50 {Stats.Percentile(rp, 50):0.0} ms   p99 {Stats.Percentile(rp, 99):0.0} ms
              errors: {(errors.IsEmpty ? "0" : string.Join(", ", errors.Select(e => $"{e.Key}×{e.Value}")))}
              baseline, one Table point read against the same Azurite: p50 {baseline.P50:0.0} ms   p99 {baseline.P99:0.0} ms
              ratio heartbeat p50 / point read p50: {Stats.Percentile(hb, 50) / baseline.P50:0.0}

            Table Storage, per partition (~2,000 operations/s each):
              an idle agent, on its environment's partition: heartbeat = host read + host write under its ETag + plan version read (every 15 s);
              poll = plan read (every 10 s); report = plan read + host read (every 60 s); each call also reads its credential (its own partition).
              environment partition: {EnvironmentOpsPerSecond:0.00} operations/s per host;
              at {perEnvironment:0} hosts per environment: {perEnvironment * EnvironmentOpsPerSecond:0} ops/s, {perEnvironment * EnvironmentOpsPerSecond / 2000:P1} of one partition;
              one environment reaches the limit near {2000 / EnvironmentOpsPerSecond:0} hosts (before reconcile traffic).
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

    /// <summary>
    /// One idle agent as the real one behaves: a heartbeat every 15 s, a plan fetch (If-None-Match)
    /// at every 10 s poll, and a report of what it runs at least once a minute, each on its own clock.
    /// </summary>
    private static async Task RunAgentAsync(
        HttpClient http, SimulatedAgent agent, TimeSpan offset, DateTime stop, Samples samples, ConcurrentDictionary<string, int> errors)
    {
        await Task.Delay(offset);
        string? etag = null;
        long version = 0;
        await Task.WhenAll(
            EveryAsync(HeartbeatCycle, stop, () => TimedAsync(samples.Heartbeats, errors, "heartbeat", () =>
                http.SendAsync(Authorized(agent, new HttpRequestMessage(HttpMethod.Post, AgentRoutes.Heartbeat) { Content = JsonContent.Create(new Heartbeat(agent.Facts, version), options: Json) })))),
            EveryAsync(PollCycle, stop, () => TimedAsync(samples.Plans, errors, "plan", async () =>
            {
                var request = Authorized(agent, new HttpRequestMessage(HttpMethod.Get, AgentRoutes.Plan));
                if (etag is not null)
                {
                    request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
                }
                var response = await http.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.OK && await response.Content.ReadFromJsonAsync<HostPlan>(Json) is { } plan)
                {
                    version = plan.Version;
                }
                etag = response.Headers.ETag?.ToString() ?? etag;
                return response;
            })),
            EveryAsync(ReportCycle, stop, () => TimedAsync(samples.Reports, errors, "report", () =>
                http.SendAsync(Authorized(agent, new HttpRequestMessage(HttpMethod.Post, AgentRoutes.Report) { Content = JsonContent.Create(new HostReport(version, []), options: Json) })))));
    }

    private static HttpRequestMessage Authorized(SimulatedAgent agent, HttpRequestMessage request)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agent.Credential);
        return request;
    }

    private static async Task EveryAsync(TimeSpan cycle, DateTime stop, Func<Task> act)
    {
        while (DateTime.UtcNow < stop)
        {
            var next = DateTime.UtcNow + cycle;
            await act();
            var wait = next - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
        }
    }

    /// <summary>Call times by kind.</summary>
    private sealed class Samples
    {
        public ConcurrentBag<double> Heartbeats { get; } = [];
        public ConcurrentBag<double> Plans { get; } = [];
        public ConcurrentBag<double> Reports { get; } = [];
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
