using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Rancher.Cloud.Harness;

/// <summary>
/// A real Azurite (Table, Queue, Blob) on free loopback ports with its own temporary data
/// folder, installed from the repo's npm manifest by scripts/test.sh.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process process;
    private readonly string dataDir;

    private Azurite(Process process, string dataDir, int blob, int queue, int table)
    {
        this.process = process;
        this.dataDir = dataDir;
        QueuePort = queue;
        BlobPort = blob;
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
    }

    public string ConnectionString { get; }

    public int QueuePort { get; }

    public int BlobPort { get; }

    /// <param name="queueHost">Where the queue and blob services listen; all interfaces when agents in namespaces must reach them (signals, backups).</param>
    public static async Task<Azurite> StartAsync(string queueHost = "127.0.0.1")
    {
        var exe = Path.Combine(Repo.Root, "scripts", "node_modules", ".bin", "azurite");
        if (!File.Exists(exe))
        {
            throw new InvalidOperationException($"Azurite is not installed ({exe} missing): run scripts/test.sh, which installs it.");
        }
        var dataDir = Directory.CreateTempSubdirectory("rancher-cloud-azurite-").FullName;
        int[] ports = [FreePort(), FreePort(), FreePort()];
        var start = new ProcessStartInfo(exe)
        {
            ArgumentList =
            {
                "--silent", "--location", dataDir, "--skipApiVersionCheck", "--disableTelemetry", "--loose",
                "--blobHost", queueHost, "--blobPort", $"{ports[0]}",
                "--queueHost", queueHost, "--queuePort", $"{ports[1]}",
                "--tableHost", "127.0.0.1", "--tablePort", $"{ports[2]}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        foreach (var port in ports)
        {
            await Wait.UntilAsync(() => Task.FromResult(Listening(port)), TimeSpan.FromSeconds(30), $"Azurite listening on {port}");
        }
        return new Azurite(process, dataDir, ports[0], ports[1], ports[2]);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static int FreeUdpPort()
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }

    internal static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        process.Dispose();
        Directory.Delete(dataDir, recursive: true);
    }
}
