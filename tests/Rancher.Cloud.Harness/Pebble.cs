using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rancher.Cloud.Harness;

/// <summary>
/// Let's Encrypt's ACME test server (Debian's <c>pebble</c>) on loopback, with its companion
/// <c>pebble-challtestsrv</c> as the DNS it resolves challenged hostnames through: a test says
/// which address a hostname has, and Pebble checks HTTP-01 challenges there on port 80, as a
/// real directory would. Pebble's own TLS certificate comes from a CA made here, whose file
/// the ACME client is told to trust.
/// </summary>
public sealed class Pebble : IAsyncDisposable
{
    private readonly DirectoryInfo dir;
    private readonly List<Process> processes;
    private readonly int managementPort;
    private readonly int dnsManagementPort;

    private Pebble(DirectoryInfo dir, List<Process> processes, int port, int managementPort, int dnsManagementPort)
    {
        this.dir = dir;
        this.processes = processes;
        this.managementPort = managementPort;
        this.dnsManagementPort = dnsManagementPort;
        DirectoryUrl = $"https://127.0.0.1:{port}/dir";
    }

    public string DirectoryUrl { get; }

    /// <summary>The CA file that Pebble's own TLS certificate chains to.</summary>
    public string CaFile => Path.Combine(dir.FullName, "ca.pem");

    public static async Task<Pebble> StartAsync()
    {
        var dir = Directory.CreateTempSubdirectory("rancher-cloud-pebble-");
        var (port, management, dns, dnsManagement) = (Azurite.FreePort(), Azurite.FreePort(), Azurite.FreeUdpPort(), Azurite.FreePort());
        WriteTlsFiles(dir.FullName);
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "pebble.json"), $$"""
            {"pebble": {
              "listenAddress": "127.0.0.1:{{port}}", "managementListenAddress": "127.0.0.1:{{management}}",
              "certificate": "{{dir.FullName}}/pebble.pem", "privateKey": "{{dir.FullName}}/pebble.key",
              "httpPort": 80, "tlsPort": 443, "ocspResponderURL": "", "externalAccountBindingRequired": false } }
            """);
        var processes = new List<Process>
        {
            Start("pebble-challtestsrv", [
                "-defaultIPv4", "", "-defaultIPv6", "", "-dns01", $"127.0.0.1:{dns}", "-http01", "", "-https01", "", "-tlsalpn01", "",
                "-management", $"127.0.0.1:{dnsManagement}"], new()),
            // No random sleeps, nonces or reused authorizations: each order proves its challenge, at once.
            Start("pebble", ["-config", Path.Combine(dir.FullName, "pebble.json"), "-dnsserver", $"127.0.0.1:{dns}"], new()
            {
                ["PEBBLE_VA_NOSLEEP"] = "1", ["PEBBLE_WFE_NONCEREJECT"] = "0", ["PEBBLE_AUTHZREUSE"] = "0",
            }),
        };
        var pebble = new Pebble(dir, processes, port, management, dnsManagement);
        foreach (var p in new[] { port, management, dnsManagement })
        {
            await Wait.UntilAsync(() => Task.FromResult(Azurite.Listening(p)), TimeSpan.FromSeconds(30), $"pebble listening on {p}");
        }
        return pebble;
    }

    /// <summary>Makes <paramref name="hostname"/> resolve to <paramref name="address"/> for Pebble.</summary>
    public async Task AddHostAsync(string hostname, string address)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsJsonAsync($"http://127.0.0.1:{dnsManagementPort}/add-a", new { host = hostname.TrimEnd('.') + ".", addresses = new[] { address } });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The root Pebble issues under (made anew at each start), to check an issued chain with.</summary>
    public async Task<X509Certificate2> RootAsync()
    {
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, offered, _, _) => offered is not null });
        return X509Certificate2.CreateFromPem(await http.GetStringAsync($"https://127.0.0.1:{managementPort}/roots/0"));
    }

    private static Process Start(string program, string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void WriteTlsFiles(string dir)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Rancher.Cloud test CA for Pebble", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var leaf = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
        File.WriteAllText(Path.Combine(dir, "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "pebble.pem"), leaf.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "pebble.key"), key.ExportPkcs8PrivateKeyPem());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in processes)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
        dir.Delete(recursive: true);
    }
}
