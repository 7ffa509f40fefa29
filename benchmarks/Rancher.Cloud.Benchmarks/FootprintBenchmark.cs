using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Rancher.Cloud.Harness;

namespace Rancher.Cloud.Benchmarks;

/// <summary>
/// The installed agent's footprint: resident memory and CPU, idle and while converging 20
/// containers, sampled over a span of minutes. The published (self-contained, trimmed) agent
/// runs beside the framework-dependent build of the same code, as the baseline, in one run.
/// </summary>
public static class FootprintBenchmark
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(5);
    private static readonly string[] LongSleep = ["sleep", "36000"];

    public static async Task RunAsync(double minutes, int containers)
    {
        var package = Path.Combine(Repo.Root, ".state", "agent-packages", "rancher-cloud-agent-linux-x64.tar.gz");
        if (!File.Exists(package))
        {
            throw new InvalidOperationException($"{package} is missing: run scripts/publish-agent.sh (scripts/bench.sh does).");
        }
        var installed = Directory.CreateTempSubdirectory("rancher-cloud-footprint-").FullName;
        await Shell.RunAsync("tar", "-xzf", package, "-C", installed);

        await LocalDocker.RemoveUnusedPlatformNetworksAsync(); // left by a killed run, they would overlap this run's
        await using var controlPlane = await ControlPlaneProcess.StartAsync();
        using var api = new HttpClient { BaseAddress = new Uri(controlPlane.Url + "/api/v1/") };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ControlPlaneProcess.AdminKey);
        var published = await StartAsync(api, controlPlane.Url, "published", new AgentLaunch([], []) { Executable = Path.Combine(installed, "Rancher.Cloud.Agent") });
        var baseline = await StartAsync(api, controlPlane.Url, "framework", AgentLaunch.Local);
        await using var publishedAgent = published.Agent;
        await using var baselineAgent = baseline.Agent;
        var samplers = new[] { (Name: "published (self-contained, trimmed)", Sampler: Sampler(published.Agent)), (Name: "framework-dependent (baseline)", Sampler: Sampler(baseline.Agent)) };
        Console.WriteLine("Each figure is the agent together with what it runs: its child processes and its tunnel's wireguard-go.");
        var samples = samplers.ToDictionary(s => s.Name, _ => new List<(string Phase, ProcessSampler.Sample Sample)>());

        var total = TimeSpan.FromMinutes(minutes);
        var idle = total * 0.4;
        Console.WriteLine($"Sampling every {Every.TotalSeconds:0} s for {minutes:0.#} min: idle {idle.TotalMinutes:0.#} min, then {containers} containers each, converging, then running.");
        var start = DateTime.UtcNow;
        var deployed = false;
        var phase = "idle";
        while (DateTime.UtcNow - start < total)
        {
            var elapsed = DateTime.UtcNow - start;
            if (!deployed && elapsed >= idle)
            {
                deployed = true;
                phase = "converging";
                foreach (var env in new[] { published.EnvironmentId, baseline.EnvironmentId })
                {
                    using var created = await api.PostAsync($"environments/{env}/services",
                        JsonContent.Create(new { name = "load", image = LocalDocker.TestImage, command = LongSleep, scale = containers }));
                    created.EnsureSuccessStatusCode();
                }
            }
            if (phase == "converging" && await AllRunningAsync(api, [published.EnvironmentId, baseline.EnvironmentId], containers))
            {
                phase = "running";
            }
            foreach (var (name, sampler) in samplers)
            {
                samples[name].Add((phase, sampler.Take()));
            }
            await Task.Delay(Every);
        }

        Console.WriteLine();
        foreach (var (name, _) in samplers)
        {
            var all = samples[name].Skip(1).ToList(); // the first CPU reading has no interval
            Console.WriteLine(name);
            foreach (var group in all.GroupBy(s => s.Phase))
            {
                var rss = group.Select(s => s.Sample.RssMb).ToList();
                var cpu = group.Select(s => s.Sample.CpuPercent).ToList();
                var processes = group.Select(s => s.Sample.Processes).ToList();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {group.Key,-10} n={rss.Count,3}  RSS MB min {rss.Min(),5:0.0} median {Stats.Median(rss),5:0.0} max {rss.Max(),5:0.0}   CPU % mean {cpu.Average(),5:0.00} max {cpu.Max(),5:0.0}   processes {processes.Min()}–{processes.Max()}"));
            }
            var idleRss = all.Where(s => s.Phase == "idle").Select(s => s.Sample.RssMb).ToList();
            if (idleRss.Count >= 4)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  idle RSS first quarter {idleRss.Take(idleRss.Count / 4).Average():0.0} MB → last quarter {idleRss.Skip(idleRss.Count * 3 / 4).Average():0.0} MB"));
            }
        }
        var p = samples[samplers[0].Name].Skip(1).Select(s => s.Sample.RssMb).ToList();
        var b = samples[samplers[1].Name].Skip(1).Select(s => s.Sample.RssMb).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio published / framework-dependent, median RSS: {Stats.Median(p) / Stats.Median(b):0.00}   (aim: 40 MB or less; Rancher 1.x agent ~20 MB, Portainer ~30 MB, K3s agent ~275 MB)"));
        foreach (var env in new[] { published.EnvironmentId, baseline.EnvironmentId })
        {
            var services = (await api.GetFromJsonAsync<JsonNode>($"environments/{env}/services"))!["items"]!.AsArray();
            foreach (var service in services)
            {
                await api.DeleteAsync($"environments/{env}/services/{service!["id"]}");
            }
        }
        await Task.Delay(TimeSpan.FromSeconds(10)); // let the agents remove their containers
        Directory.Delete(installed, recursive: true);
    }

    private static ProcessSampler Sampler(AgentProcess agent) =>
        new(agent.ProcessId, Rancher.Cloud.Agent.Networking.Tunnel.InterfaceName(agent.HostId));

    private static async Task<(string EnvironmentId, AgentProcess Agent)> StartAsync(HttpClient api, string url, string name, AgentLaunch launch)
    {
        using var created = await api.PostAsync("environments", JsonContent.Create(new { name }));
        var envId = (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["id"]!;
        using var token = await api.PostAsync($"environments/{envId}/registrationTokens", null);
        var agent = await AgentProcess.RegisterAsync(url, (string)(await token.Content.ReadFromJsonAsync<JsonNode>())!["token"]!, TimeSpan.FromSeconds(10), launch);
        return (envId, agent);
    }

    private static async Task<bool> AllRunningAsync(HttpClient api, string[] environments, int containers)
    {
        foreach (var env in environments)
        {
            var service = (await api.GetFromJsonAsync<JsonNode>($"environments/{env}/services"))!["items"]!.AsArray().Single()!;
            var instances = service["instances"]!.AsArray();
            if (instances.Count != containers || instances.Any(i => (string?)i!["state"] != "running"))
            {
                return false;
            }
        }
        return true;
    }
}
