using System.Diagnostics;
using Rancher.Cloud.Harness;

namespace Rancher.Cloud.Benchmarks;

/// <summary>
/// The self-host as its own process (as scripts/run.sh starts it) over a fresh Azurite, so a
/// load generator in the benchmark process does not share its thread pool.
/// </summary>
public sealed class ControlPlaneProcess : IAsyncDisposable
{
    public const string AdminKey = "benchmark-admin-key-0123456789";

    private readonly Azurite azurite;
    private readonly Process process;

    private ControlPlaneProcess(Azurite azurite, Process process, string url)
    {
        this.azurite = azurite;
        this.process = process;
        Url = url;
    }

    public string Url { get; }

    /// <summary>The control plane's process id, for sampling its memory and CPU.</summary>
    public int ProcessId => process.Id;

    public string StorageConnection => azurite.ConnectionString;

    public static async Task<ControlPlaneProcess> StartAsync()
    {
        var azurite = await Azurite.StartAsync();
        var url = $"http://127.0.0.1:{Azurite.FreePort()}";
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Repo.Output("functions/Rancher.Cloud.SelfHost", "Rancher.Cloud.SelfHost.dll"), "--urls", url },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["AzureWebJobsStorage"] = azurite.ConnectionString;
        start.Environment["RancherCloud__AdminKey"] = AdminKey;
        start.Environment["RancherCloud__PublicUrl"] = url;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        await Wait.UntilAsync(async () =>
        {
            try
            {
                return (await http.GetAsync($"{url}/api/v1/openapi.json")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "the control plane to start");
        return new ControlPlaneProcess(azurite, process, url);
    }

    public async ValueTask DisposeAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        process.Dispose();
        await azurite.DisposeAsync();
    }
}
