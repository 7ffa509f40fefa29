using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Rancher.Cloud.Harness;
using Rancher.Cloud.SelfHost;

namespace Rancher.Cloud.Benchmarks;

/// <summary>
/// The platform on namespace hosts: a host network, the control plane listening on its bridge,
/// one environment, and hosts with real agents labelled <c>role=a</c>, <c>role=b</c>, …
/// </summary>
public sealed class NamespacePlatform : IAsyncDisposable
{
    private const string AdminKey = "benchmark-admin-key-0123456789";
    private readonly List<AgentProcess> agents = [];
    private HostNetwork network = null!;
    private Azurite azurite = null!;
    private Microsoft.AspNetCore.Builder.WebApplication app = null!;

    public HttpClient Api { get; } = new();

    public string EnvironmentId { get; private set; } = "";

    public string EnvironmentName { get; } = "bench";

    public List<NamespaceHost> Hosts { get; } = [];

    public HostNetwork Network => network;

    /// <summary>The platform's storage (Azurite), for baselines measured against it.</summary>
    public string StorageConnection => azurite.ConnectionString;

    public static async Task<NamespacePlatform> StartAsync(int hosts, params string[] images)
    {
        var platform = new NamespacePlatform();
        platform.network = await HostNetwork.CreateAsync();
        platform.azurite = await Azurite.StartAsync("0.0.0.0");
        var port = Azurite.FreePort();
        var publicUrl = $"http://{platform.network.Gateway}:{port}";
        platform.app = SelfHostApp.Build(["--urls", $"http://127.0.0.1:{port};{publicUrl}"], new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = platform.azurite.ConnectionString,
            ["RancherCloud:AdminKey"] = AdminKey,
            ["RancherCloud:PublicUrl"] = publicUrl,
            ["RancherCloud:AgentQueueEndpoint"] = $"http://{platform.network.Gateway}:{platform.azurite.QueuePort}/devstoreaccount1",
            ["RancherCloud:AgentBlobEndpoint"] = $"http://{platform.network.Gateway}:{platform.azurite.BlobPort}/devstoreaccount1",
            ["RancherCloud:BalancerImage"] = "rancher-cloud-test/haproxy:1",
            ["RancherCloud:DataKeyWrappingKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await platform.app.StartAsync();
        platform.Api.BaseAddress = new Uri($"http://127.0.0.1:{port}/api/v1/");
        platform.Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        platform.EnvironmentId = (string)(await platform.PostAsync("environments", new { name = platform.EnvironmentName }))["id"]!;
        for (var i = 0; i < hosts; i++)
        {
            var host = await platform.network.AddHostAsync();
            platform.Hosts.Add(host);
            foreach (var image in images)
            {
                await host.LoadImageAsync(image);
            }
            var token = (string)(await platform.PostAsync($"environments/{platform.EnvironmentId}/registrationTokens", null))["token"]!;
            platform.agents.Add(await host.StartAgentAsync(publicUrl, token, labels: new Dictionary<string, string> { ["role"] = $"{(char)('a' + i)}" }));
        }
        return platform;
    }

    public async Task<JsonNode> PostAsync(string path, object? body)
    {
        using var response = await Api.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? JsonNode.Parse(text)! : throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {text}");
    }

    /// <summary>Creates a stack and waits until every instance of it runs; hands back its services.</summary>
    public async Task<JsonArray> DeployAsync(string name, string compose)
    {
        var stack = await PostAsync($"environments/{EnvironmentId}/stacks", new { name, compose });
        return await Wait.ForAsync(async () =>
        {
            var read = JsonNode.Parse(await Api.GetStringAsync($"environments/{EnvironmentId}/stacks/{(string)stack["id"]!}"))!;
            return (string?)read["state"] == "active" ? read["services"]!.AsArray() : null;
        }, TimeSpan.FromSeconds(120), $"stack {name} to be active");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in agents)
        {
            await agent.DisposeAsync();
        }
        await network.DisposeAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        await azurite.DisposeAsync();
        Api.Dispose();
    }
}
