using System.Diagnostics;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// A balancer service on real namespace hosts, agents and HAProxy: it spreads over instances on
/// other hosts through the overlay, routes by host and path, follows scale under constant load
/// without a failed request, and takes out a failing instance within its check interval.
/// </summary>
[Collection(MultiHostCollection.Name)]
public sealed class BalancerTests(MultiHostFixture fixture, ITestOutputHelper output)
{
    private const string BalancerImage = "rancher-cloud-test/haproxy:1";

    [Fact]
    public async Task A_balancer_spreads_routes_and_follows_scale_and_health_without_failed_requests()
    {
        using var api = fixture.ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"lb-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 3,
            i => new Dictionary<string, string> { ["role"] = i == 0 ? "edge" : "app" });
        await group.Hosts[0].LoadImageAsync(BalancerImage);
        var app = new { hostLabels = new[] { new { key = "role", value = "app" } } };
        var web = await api.CreateServiceAsync(envId, new
        {
            name = "web", image = LocalDocker.TestImage, scale = 2, scheduling = app,
            healthCheck = new { type = "http", port = 80, path = "/index.html", interval = "1s", timeout = "1s", retries = 1 },
        });
        var apiService = await api.CreateServiceAsync(envId, new { name = "api", image = LocalDocker.TestImage, scheduling = app });
        var lb = await api.CreateServiceAsync(envId, new
        {
            name = "lb",
            scheduling = new { hostLabels = new[] { new { key = "role", value = "edge" } } },
            loadBalancer = new
            {
                portRules = new object[]
                {
                    new { sourcePort = 80, service = "web", targetPort = 80 },
                    new { sourcePort = 80, service = "api", targetPort = 80, hostname = "api.example.com" },
                    new { sourcePort = 80, service = "api", targetPort = 80, hostname = "*.internal.example.com", path = "/cgi-bin" },
                },
            },
        });
        var webContainers = (await Services.RunningAsync(api, envId, web.Id, 2)).Select(i => Services.ContainerOf(i)[..12]).ToHashSet();
        var apiContainer = Services.ContainerOf((await Services.RunningAsync(api, envId, apiService.Id, 1))[0])[..12];
        var lbInstance = (await Services.RunningAsync(api, envId, lb.Id, 1))[0];
        Assert.Equal(group.Agents[0].HostId, lbInstance.HostId);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{group.Hosts[0].Address}:80"), Timeout = TimeSpan.FromSeconds(10) };

        // Spread over both web instances (on the two app hosts, through the overlay); hosts and paths route.
        await Wait.UntilAsync(async () => (await Load.SeenAsync(http, 8)).SetEquals(webContainers), Services.Converge, $"both web instances to answer through the balancer\n{group.Logs}");
        Assert.Equal([apiContainer], await Load.SeenAsync(http, 4, "api.example.com"));
        Assert.Equal([apiContainer], await Load.SeenAsync(http, 4, "x.internal.example.com"));
        Assert.True((await Load.SeenAsync(http, 4, "a.b.internal.example.com")).SetEquals(webContainers)); // a wildcard is one label deep

        // Constant load while the target scales 2 → 6 → 1: not one request fails.
        using var load = new Load(http);
        var changed = Stopwatch.StartNew();
        Assert.True((await api.PatchAsync($"environments/{envId}/services/{web.Id}", new { scale = 6 })).IsSuccessStatusCode);
        await Wait.UntilAsync(() => Task.FromResult(load.Seen.Except(webContainers).Any()), Services.Converge, "a new instance to answer");
        output.WriteLine($"scale change to the first new backend answering: {changed.ElapsedMilliseconds} ms");
        var grown = (await Services.RunningAsync(api, envId, web.Id, 6)).Select(i => Services.ContainerOf(i)[..12]).ToHashSet();
        await Wait.UntilAsync(() => Task.FromResult(grown.IsSubsetOf(load.Seen)), Services.Converge, "all six to answer");
        Assert.True((await api.PatchAsync($"environments/{envId}/services/{web.Id}", new { scale = 1 })).IsSuccessStatusCode);
        var left = Services.ContainerOf((await Services.RunningAsync(api, envId, web.Id, 1))[0])[..12];
        await Wait.UntilAsync(async () => { load.Reset(); await Task.Delay(3000); return load.Seen.SetEquals([left]); }, Services.Converge, "only the one left to answer");
        var (requests, failures) = load.Stop();
        output.WriteLine($"{requests} requests during 2 → 6 → 1, {failures.Count} failed");
        Assert.True(requests > 100, $"only {requests} requests were sent");
        Assert.True(failures.Count == 0, $"{failures.Count} of {requests} requests failed: {string.Join("; ", failures.Take(5))}");

        // Back to two; one starts failing its check: it is out within the check interval, and the other serves everything.
        Assert.True((await api.PatchAsync($"environments/{envId}/services/{web.Id}", new { scale = 2 })).IsSuccessStatusCode);
        var two = (await Services.RunningAsync(api, envId, web.Id, 2)).ToList();
        var pair = two.Select(i => Services.ContainerOf(i)[..12]).ToHashSet();
        await Wait.UntilAsync(async () => (await Load.SeenAsync(http, 8)).SetEquals(pair), Services.Converge, "both to answer again");
        var failing = two.Single(i => !Services.ContainerOf(i).StartsWith(left, StringComparison.Ordinal));
        var failingHost = group.HostOf(failing.HostId);
        var (removed, why) = await DockerExec.RunAsync(failingHost.Docker, Services.ContainerOf(failing), "rm", "/www/index.html");
        Assert.True(removed == 0, why);
        var broke = Stopwatch.StartNew();
        await Wait.UntilAsync(async () => (await Load.SeenAsync(http, 6)).SetEquals([left]), TimeSpan.FromSeconds(10), "the failing instance to be taken out");
        output.WriteLine($"a failing instance out of the balancer after {broke.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Tls_is_terminated_by_sni_keys_never_come_back_and_cookies_keep_a_client_on_its_instance()
    {
        using var api = fixture.ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"tls-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 1);
        await group.Hosts[0].LoadImageAsync(BalancerImage);
        var web = await api.CreateServiceAsync(envId, new { name = "web", image = LocalDocker.TestImage, scale = 2 });
        var (siteA, keyA) = SelfSigned("a.example.test", DateTimeOffset.UtcNow.AddDays(30));
        var (siteB, keyB) = SelfSigned("b.example.test", DateTimeOffset.UtcNow.AddDays(30));

        // Bad uploads are refused by field, and nothing is stored.
        var mismatch = await api.PostAsync($"environments/{envId}/certificates", new { name = "a", certificate = siteA, key = keyB });
        Assert.Equal(["key"], Api.Fields(await Api.ProblemAsync(mismatch)));
        var (expired, expiredKey) = SelfSigned("old.example.test", DateTimeOffset.UtcNow.AddDays(-1));
        Assert.Equal(["certificate"], Api.Fields(await Api.ProblemAsync(await api.PostAsync($"environments/{envId}/certificates", new { name = "old", certificate = expired, key = expiredKey }))));
        Assert.Empty(await api.ItemsAsync<ControlPlane.Certificates.CertificateView>($"environments/{envId}/certificates"));

        var uploaded = await Api.OkAsync<ControlPlane.Certificates.CertificateView>(await api.PostAsync($"environments/{envId}/certificates", new { name = "a", certificate = siteA, key = keyA }));
        Assert.Equal("a.example.test", uploaded.CommonName);
        Assert.Contains("a.example.test", uploaded.SubjectAlternativeNames);
        var shown = await (await api.PostAsync($"environments/{envId}/certificates", new { name = "b", certificate = siteB, key = keyB })).Content.ReadAsStringAsync();
        Assert.DoesNotContain("PRIVATE KEY", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", await api.Http.GetStringAsync($"environments/{envId}/certificates/b"), StringComparison.Ordinal);

        // A balancer naming a certificate that does not exist is refused; one naming both terminates TLS.
        var unknown = await api.PostAsync($"environments/{envId}/services", new
        {
            name = "lb", loadBalancer = new { portRules = new[] { new { sourcePort = 443, protocol = "https", service = "web", targetPort = 80 } }, defaultCertificate = "nope" },
        });
        Assert.Equal(["loadBalancer.defaultCertificate"], Api.Fields(await Api.ProblemAsync(unknown)));
        var lb = await api.CreateServiceAsync(envId, new
        {
            name = "lb",
            loadBalancer = new
            {
                portRules = new[] { new { sourcePort = 443, protocol = "https", service = "web", targetPort = 80 }, new { sourcePort = 80, protocol = "http", service = "web", targetPort = 80 } },
                defaultCertificate = "a",
                certificates = new[] { "b" },
                stickiness = new { cookie = "SRV" },
            },
        });
        var webContainers = (await Services.RunningAsync(api, envId, web.Id, 2)).Select(i => Services.ContainerOf(i)[..12]).ToHashSet();
        await Services.RunningAsync(api, envId, lb.Id, 1);
        var address = group.Hosts[0].Address;
        var served = await Wait.ForAsync(async () => await TlsAsync(address, "b.example.test"), Services.Converge, $"the balancer to serve TLS\n{group.Logs}");
        Assert.Equal("b.example.test", served.Subject);
        Assert.Contains(webContainers, c => served.Page.Contains($"HOSTNAME={c}", StringComparison.Ordinal));
        Assert.Equal("a.example.test", (await TlsAsync(address, "a.example.test"))!.Subject);
        Assert.Equal("a.example.test", (await TlsAsync(address, "unknown.example.test"))!.Subject); // no match: the default

        // Stickiness: a client with the balancer's cookie stays on its instance; clients without one spread.
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri($"http://{address}:80"), Timeout = TimeSpan.FromSeconds(10) };
        await Wait.UntilAsync(async () => (await Load.SeenAsync(http, 8)).SetEquals(webContainers), Services.Converge, "both instances to answer without a cookie");
        using var first = await http.GetAsync("/cgi-bin/env");
        var cookie = first.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("SRV=", StringComparison.Ordinal)).Split(';')[0];
        var pinned = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 8; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/cgi-bin/env");
            request.Headers.Add("Cookie", cookie);
            using var response = await http.SendAsync(request);
            pinned.Add((await response.Content.ReadAsStringAsync()).Split('\n').First(l => l.StartsWith("HOSTNAME=", StringComparison.Ordinal))["HOSTNAME=".Length..].Trim());
        }
        Assert.Single(pinned);
        Assert.Contains(pinned.Single(), webContainers);
        Assert.DoesNotContain(cookie.Split('=')[1], string.Join(",", webContainers), StringComparison.Ordinal);

        // A certificate a balancer uses cannot be deleted from under it.
        Assert.Equal(System.Net.HttpStatusCode.Conflict, (await api.DeleteAsync($"environments/{envId}/certificates/b")).StatusCode);

        // A balancer image that cannot be had (a registry on the host's loopback that refuses) leaves the running balancer serving.
        var lbContainer = Services.ContainerOf((await Services.RunningAsync(api, envId, lb.Id, 1))[0]);
        Assert.True((await api.PatchAsync($"environments/{envId}", new { balancerImage = "127.0.0.1:1/nope/haproxy:1" })).IsSuccessStatusCode);
        await Wait.UntilAsync(async () => (await api.ServiceAsync(envId, lb.Id)).Instances.Any(i => i.Error?.Contains("127.0.0.1:1", StringComparison.Ordinal) == true),
            Services.Converge, "the instance to say its image cannot be had");
        Assert.Equal("b.example.test", (await TlsAsync(address, "b.example.test"))!.Subject);
        Assert.True((await group.Hosts[0].Docker.Containers.InspectContainerAsync(lbContainer)).State?.Running);
    }

    [Fact]
    public async Task A_stream_outlives_a_rule_change_and_a_lost_host_fails_requests_only_within_its_check_interval()
    {
        using var api = fixture.ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"lbloss-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 3,
            i => new Dictionary<string, string> { ["role"] = i == 0 ? "edge" : $"app{i}", ["tier"] = i == 0 ? "edge" : "app" });
        await group.Hosts[0].LoadImageAsync(BalancerImage);
        object On(string key, string value) => new { hostLabels = new[] { new { key, value } } };
        // One web instance on each app host.
        var web = await api.CreateServiceAsync(envId, new
        {
            name = "web", image = LocalDocker.TestImage,
            scheduling = new { global = true, hostLabels = new[] { new { key = "tier", value = "app" } } },
            healthCheck = new { type = "tcp", port = 80, interval = "1s", timeout = "1s", retries = 1 },
        });
        var echo = await api.CreateServiceAsync(envId, new { name = "echo", image = LocalDocker.TestImage, command = new[] { "nc", "-ll", "-p", "9000", "-e", "cat" }, scheduling = On("role", "app1") });
        var rules = new List<object>
        {
            new { sourcePort = 80, service = "web", targetPort = 80 },
            new { sourcePort = 9000, protocol = "tcp", service = "echo", targetPort = 9000 },
        };
        var lb = await api.CreateServiceAsync(envId, new { name = "lb", scheduling = On("role", "edge"), loadBalancer = new { portRules = rules } });
        await Services.RunningAsync(api, envId, lb.Id, 1);
        await Services.RunningAsync(api, envId, echo.Id, 1);
        var instances = await Services.RunningAsync(api, envId, web.Id, 2);
        var survivor = Services.ContainerOf(instances.Single(i => i.HostId == group.Agents[1].HostId))[..12];
        var edge = group.Hosts[0].Address;
        using var http = new HttpClient { BaseAddress = new Uri($"http://{edge}:80"), Timeout = TimeSpan.FromSeconds(10) };
        await Wait.UntilAsync(async () => (await Load.SeenAsync(http, 8)).Count == 2, Services.Converge, $"both web instances to answer\n{group.Logs}");

        // A stream opened before a rule change is still served after the reload.
        using var stream = await Wait.ForAsync(async () =>
        {
            var client = new System.Net.Sockets.TcpClient();
            try
            {
                await client.ConnectAsync(edge, 9000);
                if (await EchoAsync(client, "before") == "before")
                {
                    return client;
                }
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                // Not through yet.
            }
            client.Dispose();
            return null;
        }, Services.Converge, "the echo stream through the balancer");
        // (A rule on a port already published: a new port would make the container anew, as Docker cannot publish more on a running one.)
        var lbContainer = Services.ContainerOf((await Services.RunningAsync(api, envId, lb.Id, 1))[0]);
        var configuration = Path.Combine(group.Agents[0].StateDir, "balancers", (await Services.RunningAsync(api, envId, lb.Id, 1))[0].Id, "haproxy.applied");
        rules.Add(new { sourcePort = 80, service = "echo", targetPort = 9000, hostname = "echo.example.test" });
        Assert.True((await api.PatchAsync($"environments/{envId}/services/{lb.Id}", new { loadBalancer = new { portRules = rules } })).IsSuccessStatusCode);
        await Wait.UntilAsync(async () => (await File.ReadAllTextAsync(configuration)).Contains("echo.example.test", StringComparison.Ordinal), Services.Converge, "HAProxy to run the new rule (the agent writes this file once the reload is done)");
        Assert.Equal(lbContainer, Services.ContainerOf((await Services.RunningAsync(api, envId, lb.Id, 1))[0]));
        Assert.Equal("after the reload", await EchoAsync(stream, "after the reload"));

        // Host app2 is cut off under constant load: requests may fail only until HAProxy's checks take its instance out; none after.
        using var during = new Load(http);
        await Task.Delay(1000);
        await group.Hosts[2].SetLinkAsync(up: false);
        await Task.Delay(TimeSpan.FromSeconds(5)); // the check's interval and failure, and the connect timeout of requests already sent there
        var (sentDuring, failedDuring) = during.Stop();
        output.WriteLine($"{failedDuring.Count} of {sentDuring} requests failed in the 5 s after app2 was cut off");
        using var after = new Load(http);
        await Task.Delay(TimeSpan.FromSeconds(4));
        var (sentAfter, failedAfter) = after.Stop();
        Assert.True(sentAfter > 20 && failedAfter.Count == 0, $"{failedAfter.Count} of {sentAfter} failed after the check interval: {string.Join("; ", failedAfter.Take(3))}");
        Assert.Equal([survivor], after.Seen);
    }

    private static async Task<string?> EchoAsync(System.Net.Sockets.TcpClient client, string line)
    {
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(line + "\n"));
        var buffer = new byte[256];
        var read = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (read < line.Length + 1)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token);
            if (n == 0)
            {
                return null;
            }
            read += n;
        }
        return System.Text.Encoding.ASCII.GetString(buffer, 0, read).TrimEnd('\n');
    }

    /// <summary>A TLS handshake with <paramref name="sni"/> to the balancer's port 443, then GET /cgi-bin/env: the certificate's CN and the page; null while it does not answer.</summary>
    private static async Task<Served?> TlsAsync(string address, string sni)
    {
        try
        {
            using var tcp = new System.Net.Sockets.TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await tcp.ConnectAsync(address, 443, timeout.Token);
            await using var tls = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, certificate, _, errors) =>
                // The test's certificates are self-signed, and the default one is served for names it lacks: those are what is being tested.
                certificate is not null && (errors & ~(System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors | System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch)) == 0);
            await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions { TargetHost = sni }, timeout.Token);
            var subject = new System.Security.Cryptography.X509Certificates.X509Certificate2(tls.RemoteCertificate!).GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false);
            await tls.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET /cgi-bin/env HTTP/1.0\r\nHost: {sni}\r\n\r\n"), timeout.Token);
            using var reader = new StreamReader(tls);
            var page = await reader.ReadToEndAsync(timeout.Token);
            return page.Contains("200 OK", StringComparison.Ordinal) ? new Served(subject, page) : null;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            return null;
        }
    }

    private sealed record Served(string Subject, string Page);

    /// <summary>A self-signed certificate for <paramref name="host"/> and its key, in PEM.</summary>
    private static (string Certificate, string Key) SelfSigned(string host, DateTimeOffset notAfter)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest($"CN={host}", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(notAfter.AddDays(-60), notAfter);
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
