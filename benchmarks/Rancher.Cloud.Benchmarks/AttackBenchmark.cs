using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Rancher.Cloud.Benchmarks;

/// <summary>
/// The compose attacks that once took the control plane down (deep nesting, an alias bomb, a
/// variable expanded 60,000 times), sent
/// by one tenant without pause, while another tenant reads: time to each 400, and the other
/// tenant's read latency during the attacks against the same reads with no attack (a ratio from
/// one run), and the control plane's memory before and after.
/// </summary>
public static class AttackBenchmark
{
    public static async Task RunAsync(int seconds)
    {
        await using var controlPlane = await ControlPlaneProcess.StartAsync();
        var sampler = new ProcessSampler(controlPlane.ProcessId);
        using var admin = Client(controlPlane.Url, ControlPlaneProcess.AdminKey);
        var attacker = await TenantAsync(admin, "attacker");
        var bystander = await TenantAsync(admin, "bystander");
        var attackEnv = await CreateEnvironmentAsync(attacker);
        var readEnv = await CreateEnvironmentAsync(bystander);

        var bigVariable = new Dictionary<string, string> { ["A"] = new string('x', 8000) };
        var attacks = new (string Name, string Compose, Dictionary<string, string>? Variables)[]
        {
            ("labels nested 15,000 deep", "services:\n  web:\n    image: busybox\n    labels: " + string.Concat(Enumerable.Repeat("{a: ", 15_000)) + "b" + new string('}', 15_000) + "\n", null),
            ("command nested 30,000 deep", "services:\n  web:\n    image: busybox\n    command: " + new string('[', 30_000) + new string(']', 30_000) + "\n", null),
            ("100,000-character anchor × 10,000 aliases", $"x-s: &s \"{new string('$', 100_000)}\"\nservices:\n  web:\n    image: busybox\n    command: [" + string.Join(", ", Enumerable.Repeat("*s", 10_000)) + "]\n", null),
            ("60,000 × ${A} of 8,000 characters", "services:\n  web:\n    image: busybox\n    environment:\n      X: \"" + string.Concat(Enumerable.Repeat("${A}", 60_000)) + "\"\n", bigVariable),
        };

        // Warm both paths first, so neither figure includes a first call's JIT.
        await ReadsAsync(bystander, readEnv, TimeSpan.FromSeconds(2));
        var rssBefore = sampler.Take().RssMb;
        var baseline = await ReadsAsync(bystander, readEnv, TimeSpan.FromSeconds(seconds));

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var attackTimes = attacks.ToDictionary(a => a.Name, _ => new List<double>());
        var statuses = new SortedDictionary<int, int>();
        var attacking = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var (name, compose, variables) in attacks)
                {
                    var clock = Stopwatch.StartNew();
                    using var response = await attacker.PostAsJsonAsync($"environments/{attackEnv}/stacks", new { name = "bomb", compose, variables });
                    attackTimes[name].Add(clock.Elapsed.TotalMilliseconds);
                    statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                }
            }
        });
        var during = await ReadsAsync(bystander, readEnv, TimeSpan.FromSeconds(seconds));
        await attacking;
        var rssAfter = sampler.Take().RssMb;

        Console.WriteLine($"compose attacks by one tenant for {seconds} s, another tenant reading (GET environments/{{id}}) meanwhile");
        foreach (var (name, times) in attackTimes)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-44} {times.Count,4} sent, time to answer p50 {Stats.Median(times),7:F1} ms, max {times.Max(),7:F1} ms"));
        }
        Console.WriteLine($"  answers: {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))} (every one must be 400)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  other tenant's reads: baseline p50 {Stats.Median(baseline):F2} ms p99 {Stats.Percentile(baseline, 99):F2} ms ({baseline.Count} reads); during attacks p50 {Stats.Median(during):F2} ms p99 {Stats.Percentile(during, 99):F2} ms ({during.Count} reads); p99 ratio {Stats.Percentile(during, 99) / Stats.Percentile(baseline, 99):F2}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  control plane RSS {rssBefore:F0} MB before, {rssAfter:F0} MB after"));
        if (statuses.Keys.Any(s => s != 400))
        {
            throw new InvalidOperationException("an attack was answered with something other than 400");
        }
    }

    private static async Task<List<double>> ReadsAsync(HttpClient client, string envId, TimeSpan duration)
    {
        var times = new List<double>();
        var until = Stopwatch.StartNew();
        while (until.Elapsed < duration)
        {
            var clock = Stopwatch.StartNew();
            using var response = await client.GetAsync($"environments/{envId}");
            response.EnsureSuccessStatusCode();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return times;
    }

    private static HttpClient Client(string url, string key)
    {
        var http = new HttpClient { BaseAddress = new Uri(url + "/api/v1/"), Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    private static async Task<HttpClient> TenantAsync(HttpClient admin, string name)
    {
        using var response = await admin.PostAsJsonAsync("tenants", new { name = $"{name}-{Guid.NewGuid():N}"[..20] });
        var created = JsonNode.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync())!;
        return Client(admin.BaseAddress!.ToString().Replace("/api/v1/", "", StringComparison.Ordinal), (string)created["ownerKey"]!);
    }

    private static async Task<string> CreateEnvironmentAsync(HttpClient client)
    {
        using var response = await client.PostAsync("environments", new StringContent("""{"name":"prod"}""", Encoding.UTF8, "application/json"));
        return (string)JsonNode.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync())!["id"]!;
    }
}
