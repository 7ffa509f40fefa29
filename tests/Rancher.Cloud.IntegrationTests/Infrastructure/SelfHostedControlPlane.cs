using Rancher.Cloud.Harness;
using Rancher.Cloud.SelfHost;

namespace Rancher.Cloud.IntegrationTests.Infrastructure;

/// <summary>
/// The self-host on a free loopback port over a fresh Azurite: the same function classes,
/// request gate, timers and queue triggers that scripts/run.sh starts.
/// </summary>
public sealed class SelfHostedControlPlane : IAsyncLifetime
{
    public const string AdminKey = "test-admin-key-0123456789";

    private Azurite? azurite;

    public WebApplication App { get; private set; } = null!;

    public string Url { get; private set; } = "";

    public string StorageConnection => azurite!.ConnectionString;

    /// <summary>Where Azurite's blob service listens (on the host-facing address too, when there is one).</summary>
    public int BlobPort => azurite!.BlobPort;

    /// <summary>Set before start: another address to listen on (a host network's bridge), which becomes the public URL.</summary>
    public string? HostFacingAddress { get; set; }

    /// <summary>Set before start: more settings (an ACME directory to order from).</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    /// <summary>The URL agents and the install one-liner use: the bridge address when there is one.</summary>
    public string PublicUrl { get; private set; } = "";

    /// <summary>The operator's key, kept across restarts: sealed secrets must open again.</summary>
    private readonly string wrappingKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public async Task InitializeAsync()
    {
        if (HostFacingAddress is null)
        {
            await LocalDocker.RemoveUnusedPlatformNetworksAsync();
        }
        azurite = await Azurite.StartAsync(HostFacingAddress is null ? "127.0.0.1" : "0.0.0.0");
        var port = Azurite.FreePort();
        Url = $"http://127.0.0.1:{port}";
        PublicUrl = HostFacingAddress is null ? Url : $"http://{HostFacingAddress}:{port}";
        await StartAppAsync();
    }

    /// <summary>
    /// The control plane process dies and comes back on the same address and storage: what a
    /// Functions host restart or redeploy does. Its state is all in storage, so nothing is lost.
    /// </summary>
    public async Task RestartAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await StartAppAsync();
    }

    private async Task StartAppAsync()
    {
        App = SelfHostApp.Build(
            ["--urls", HostFacingAddress is null ? Url : $"{Url};{PublicUrl}"],
            new Dictionary<string, string?>(Settings)
            {
                ["AzureWebJobsStorage"] = StorageConnection,
                ["RancherCloud:AdminKey"] = AdminKey,
                ["RancherCloud:PublicUrl"] = PublicUrl,
                ["RancherCloud:BalancerImage"] = "rancher-cloud-test/haproxy:1",
                ["RancherCloud:DataKeyWrappingKey"] = wrappingKey,
                ["RancherCloud:AgentPackageDir"] = Path.Combine(Repo.Root, ".state", "agent-packages"),
                ["RancherCloud:AgentQueueEndpoint"] = HostFacingAddress is null ? "" : $"http://{HostFacingAddress}:{azurite!.QueuePort}/devstoreaccount1",
                ["RancherCloud:AgentBlobEndpoint"] = HostFacingAddress is null ? "" : $"http://{HostFacingAddress}:{azurite!.BlobPort}/devstoreaccount1",
                ["Logging:LogLevel:Default"] = "Warning",
            });
        await App.StartAsync();
    }

    /// <summary>A client for the tenant API, authenticated with the admin key.</summary>
    public Api Admin() => new(Url, AdminKey);

    /// <summary>Starts a real agent process registered to the environment with a fresh token.</summary>
    public async Task<AgentProcess> StartAgentAsync(Api api, string envId) =>
        await AgentProcess.RegisterAsync(Url, (await api.CreateTokenAsync(envId)).Token);

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        if (azurite is not null)
        {
            await azurite.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<SelfHostedControlPlane>
{
    public const string Name = "system";
}
