using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Rancher.Cloud.Agent.Balancing;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Harness;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// The agent's HAProxy configuration, checked by the real HAProxy (<c>haproxy -c</c>) and run
/// on loopback against two small responders: hosts, wildcards, paths and the default route send
/// where the plan says, and a backend spreads over its members.
/// </summary>
public sealed class HaproxyConfigTests : IDisposable
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("rancher-cloud-haproxy-");

    public void Dispose() => dir.Delete(recursive: true);

    private static PlannedBalancer Balancer(int port, int memberPort, PlannedStickiness? stickiness = null) => new(
        [new PlannedListener(port, "http", [
            new PlannedRoute("api_8080", "api.example.test", "/v2"),
            new PlannedRoute("web_8080", "*.example.test"),
            new PlannedRoute("api_8080", Path: "/api"),
            new PlannedRoute("fallback_8080"),
        ])],
        [
            new PlannedBackend("web_8080", "http", memberPort, [new PlannedMember("i1", "127.0.0.2"), new PlannedMember("i2", "127.0.0.3")]),
            new PlannedBackend("api_8080", "http", memberPort, [new PlannedMember("i3", "127.0.0.4")]),
            new PlannedBackend("fallback_8080", "http", memberPort, [new PlannedMember("i4", "127.0.0.5")]),
        ])
    {
        DrainTimeoutMs = 30_000,
        Stickiness = stickiness,
    };

    [Fact]
    public async Task Every_kind_of_listener_and_backend_is_a_configuration_haproxy_accepts()
    {
        var balancer = Balancer(18080, 8080, new PlannedStickiness("SRV", "insert", true, true, false, "example.test")) with
        {
            Listeners =
            [
                .. Balancer(18080, 8080).Listeners,
                new PlannedListener(15432, "tcp", [new PlannedRoute("db_5432")]),
                new PlannedListener(18443, "tls", [new PlannedRoute("db_5432", "db.example.test"), new PlannedRoute("db_5432")]),
            ],
            Backends =
            [
                .. Balancer(18080, 8080).Backends.Select((b, i) => i == 0 ? b with { Check = new PlannedMemberCheck("/healthz", 8081, 1000, 2) } : b),
                new PlannedBackend("db_5432", "tcp", 5432, []) { Check = new PlannedMemberCheck(null, 5432, 5000, 3) },
            ],
            AcceptProxyProtocol = true,
            ProxyProtocolToBackends = true,
            Certificates = ["default.pem"],
        };
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "default.pem"), await SelfSignedPemAsync());
        var config = Path.Combine(dir.FullName, "haproxy.cfg");
        await File.WriteAllTextAsync(config, HaproxyConfig.Render(balancer, Path.Combine(dir.FullName, "admin.sock"), dir.FullName));

        var (code, output) = await Shell.RunUntilExitAsync(TimeSpan.FromSeconds(20), "haproxy", "-c", "-dW", "-f", config); // warnings fail too

        Assert.True(code == 0, $"haproxy -c refused it:\n{output}\n{await File.ReadAllTextAsync(config)}");
    }

    [Fact]
    public async Task Acme_challenges_are_answered_on_http_before_any_route_and_tls_waits_on_a_placeholder()
    {
        var port = Azurite.FreePort();
        var balancer = Balancer(port, 8080) with
        {
            Listeners = [.. Balancer(port, 8080).Listeners, new PlannedListener(Azurite.FreePort(), "https", [new PlannedRoute("web_8080", "shop.example.test")])],
            Challenges = [new PlannedChallenge("tok-EN_1", "tok-EN_1.thumb-print_2"), new PlannedChallenge("bad token", "x")],
        };
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, PlaceholderCertificate.FileName), PlaceholderCertificate.Pem(DateTimeOffset.UtcNow));
        var config = Path.Combine(dir.FullName, "haproxy.cfg");
        await File.WriteAllTextAsync(config, HaproxyConfig.Render(balancer, Path.Combine(dir.FullName, "admin.sock"), dir.FullName));
        var (code, output) = await Shell.RunUntilExitAsync(TimeSpan.FromSeconds(20), "haproxy", "-c", "-dW", "-f", config);
        Assert.True(code == 0, $"haproxy -c refused it:\n{output}\n{await File.ReadAllTextAsync(config)}");
        Assert.DoesNotContain("bad token", await File.ReadAllTextAsync(config), StringComparison.Ordinal);

        using var haproxy = Process.Start(new ProcessStartInfo("haproxy", ["-db", "-f", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            string? answer = null;
            await Wait.UntilAsync(async () =>
            {
                try
                {
                    answer = await http.GetStringAsync("/.well-known/acme-challenge/tok-EN_1");
                    return true;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(10), "haproxy to answer the challenge");
            Assert.Equal("tok-EN_1.thumb-print_2", answer);
        }
        finally
        {
            haproxy.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void Routes_after_one_that_takes_everything_are_never_tried()
    {
        var config = HaproxyConfig.Render(Balancer(18080, 8080) with
        {
            Listeners = [new PlannedListener(18080, "http", [new PlannedRoute("web_8080"), new PlannedRoute("api_8080", "api.example.test")])],
        }, "/tmp/a.sock", "/tmp");
        Assert.Contains("default_backend web_8080", config, StringComparison.Ordinal);
        Assert.DoesNotContain("use_backend api_8080", config, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_that_would_change_the_configurations_meaning_is_refused()
    {
        var hostile = Balancer(18080, 8080) with { Listeners = [new PlannedListener(18080, "http", [new PlannedRoute("web_8080", Path: "/x#y")])] };
        Assert.Throws<ArgumentException>(() => HaproxyConfig.Render(hostile, "/tmp/a.sock", "/tmp"));
        var badName = Balancer(18080, 8080) with { Backends = [new PlannedBackend("web 8080", "http", 80, [])] };
        Assert.Throws<ArgumentException>(() => HaproxyConfig.Render(badName, "/tmp/a.sock", "/tmp"));
    }

    [Fact]
    public async Task Requests_go_where_the_routes_say_and_spread_over_members()
    {
        var memberPort = Azurite.FreePort();
        var port = Azurite.FreePort();
        using var stop = new CancellationTokenSource();
        var responders = new[] { "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5" }.Select(a => RespondAsync(a, memberPort, stop.Token)).ToList();
        var config = Path.Combine(dir.FullName, "haproxy.cfg");
        await File.WriteAllTextAsync(config, HaproxyConfig.Render(Balancer(port, memberPort), Path.Combine(dir.FullName, "admin.sock"), dir.FullName));
        using var haproxy = Process.Start(new ProcessStartInfo("haproxy", ["-db", "-f", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await Wait.UntilAsync(async () => (await TryGetAsync(http, "/", "www.example.test")) is not null, TimeSpan.FromSeconds(10), "haproxy to answer");

            Assert.Equal("127.0.0.4", await TryGetAsync(http, "/v2/items", "API.example.test:80")); // exact host (any case, any port) and path
            Assert.Equal("127.0.0.4", await TryGetAsync(http, "/api/x", "elsewhere.test")); // path alone
            Assert.Equal("127.0.0.4", await TryGetAsync(http, "/api", "elsewhere.test")); // the prefix itself
            Assert.Equal("127.0.0.5", await TryGetAsync(http, "/apiary", "elsewhere.test")); // a prefix of whole segments
            var web = new HashSet<string?>();
            for (var i = 0; i < 4; i++)
            {
                web.Add(await TryGetAsync(http, "/", "shop.example.test")); // the wildcard, round robin over two members
            }
            Assert.Equal(["127.0.0.2", "127.0.0.3"], web.Order(StringComparer.Ordinal));
            Assert.Equal("127.0.0.5", await TryGetAsync(http, "/", "other.test")); // the default
            Assert.Equal("127.0.0.5", await TryGetAsync(http, "/v2/items", "a.b.example.test")); // a wildcard is one label deep
        }
        finally
        {
            haproxy.Kill(entireProcessTree: true);
            await stop.CancelAsync();
            await Task.WhenAll(responders);
        }
    }

    private static async Task<string?> TryGetAsync(HttpClient http, string path, string host)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = host;
            using var response = await http.SendAsync(request);
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>A minimal HTTP responder on <paramref name="address"/> that answers every request with its own address.</summary>
    private static async Task RespondAsync(string address, int port, CancellationToken ct)
    {
        var listener = new TcpListener(IPAddress.Parse(address), port);
        listener.Start();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(ct);
                var stream = client.GetStream();
                var buffer = new byte[8192];
                var read = 0;
                while (read < buffer.Length && !Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await stream.ReadAsync(buffer.AsMemory(read), ct);
                    if (n == 0)
                    {
                        break;
                    }
                    read += n;
                }
                var body = Encoding.ASCII.GetBytes(address);
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n").Concat(body).ToArray(), ct);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>A throwaway self-signed certificate and key in one PEM, as HAProxy's crt takes it.</summary>
    private static Task<string> SelfSignedPemAsync()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=example.test", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return Task.FromResult(certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
    }
}
