using Rancher.Cloud.SelfHost;

using Rancher.Cloud.Harness;

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

    public async Task InitializeAsync()
    {
        azurite = await Azurite.StartAsync();
        var port = Azurite.FreePort();
        Url = $"http://127.0.0.1:{port}";
        App = SelfHostApp.Build(
            ["--urls", Url],
            new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["RancherCloud:AdminKey"] = AdminKey,
                ["RancherCloud:PublicUrl"] = Url,
                ["Logging:LogLevel:Default"] = "Warning",
            });
        await App.StartAsync();
    }

    /// <summary>A client for the tenant API, authenticated with the admin key.</summary>
    public Api Admin() => new(Url, AdminKey);

    /// <summary>Starts a real agent process registered to the environment with a fresh token.</summary>
    public async Task<AgentProcess> StartAgentAsync(Api api, string envId) =>
        await AgentProcess.RegisterAsync(Url, (string)(await api.CreateTokenAsync(envId))["token"]!);

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
