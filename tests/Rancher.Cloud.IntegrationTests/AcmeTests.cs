using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Acme;
using Rancher.Cloud.ControlPlane.Certificates;
using Rancher.Cloud.Domain.Certificates;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// Automatic certificates from a real ACME directory (Pebble): a balancer rule that asks for one
/// gets it through an HTTP-01 challenge its own balancer answers, serves it by SNI with the
/// directory's chain, renews it once it is within 30 days of its end, and shows why an order
/// that cannot be proven failed.
/// </summary>
[Collection(MultiHostCollection.Name)]
public sealed class AcmeTests(MultiHostFixture fixture, ITestOutputHelper output)
{
    private const string Site = "shop.example.test";
    private const string Unreachable = "nowhere.example.test";

    [Fact]
    public async Task A_rule_asking_for_a_certificate_gets_one_from_the_directory_served_and_renewed()
    {
        using var api = fixture.ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"acme-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 1);
        await group.Hosts[0].LoadImageAsync("rancher-cloud-test/haproxy:1");
        var address = group.Hosts[0].Address;
        await fixture.Acme.AddHostAsync(Site, address); // the nowhere hostname resolves nowhere
        await api.CreateServiceAsync(envId, new { name = "web", image = LocalDocker.TestImage, scale = 1 });

        // Without an http rule on port 80 the challenge could not be answered: refused by field.
        var unanswerable = await api.PostAsync($"environments/{envId}/services", new
        {
            name = "lb", loadBalancer = new { portRules = new object[] { new { sourcePort = 443, protocol = "https", service = "web", targetPort = 80, hostname = Site, acme = true } } },
        });
        Assert.Equal(["loadBalancer.portRules[0].acme"], Api.Fields(await Api.ProblemAsync(unanswerable)));
        // Nor may an upload take the control plane's names.
        var squatted = await api.PostAsync($"environments/{envId}/certificates", new { name = AcmeCertificates.NameFor(Site), certificate = "x", key = "y" });
        Assert.Contains("name", Api.Fields(await Api.ProblemAsync(squatted)));

        object[] rules =
        [
            new { sourcePort = 80, protocol = "http", service = "web", targetPort = 80 },
            new { sourcePort = 443, protocol = "https", service = "web", targetPort = 80, hostname = Site, acme = true },
            new { sourcePort = 443, protocol = "https", service = "web", targetPort = 80, hostname = Unreachable, acme = true },
        ];
        var lb = await api.CreateServiceAsync(envId, new { name = "lb", loadBalancer = new { portRules = rules } });
        await Services.RunningAsync(api, envId, lb.Id, 1);

        var root = await fixture.Acme.RootAsync();
        var first = await Wait.ForAsync(async () => await ServedAsync(address, Site) is { } s && s.Certificate.Issuer.Contains("Pebble", StringComparison.Ordinal) ? s : null,
            TimeSpan.FromSeconds(120), $"the balancer to serve the ordered certificate\n{group.Logs}");
        Assert.Equal(Site, first.Certificate.GetNameInfo(X509NameType.DnsName, false));
        Assert.True(ChainsTo(first, root), "the served certificate does not chain to Pebble's root");

        var stored = (await api.ItemsAsync<CertificateView>($"environments/{envId}/certificates")).Single();
        Assert.True(stored.Automatic);
        Assert.Equal(AcmeCertificates.NameFor(Site), stored.Name);
        Assert.Equal(first.Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), stored.Fingerprint, ignoreCase: true);
        var orders = await Wait.ForAsync(async () =>
        {
            var all = await api.ItemsAsync<AcmeOrderView>($"environments/{envId}/acme-orders");
            return all.Any(o => o.Hostname == Unreachable && o.Failures > 0) ? all : null;
        }, TimeSpan.FromSeconds(60), "the unprovable order to be shown failed");
        var failed = orders.Single(o => o.Hostname == Unreachable);
        output.WriteLine($"failed order: {failed.LastError}");
        Assert.False(string.IsNullOrWhiteSpace(failed.LastError));
        Assert.True(failed.RetryAt > DateTimeOffset.UtcNow);
        Assert.Equal(0, orders.Single(o => o.Hostname == Site).Failures);
        Assert.Equal(first.Certificate.NotAfter.ToUniversalTime(), orders.Single(o => o.Hostname == Site).NotAfter!.Value.UtcDateTime, TimeSpan.FromSeconds(1));
        Assert.Null(failed.NotAfter);
        // A certificate a rule orders is in use: it cannot be deleted from under the balancer.
        Assert.Equal(System.Net.HttpStatusCode.Conflict, (await api.DeleteAsync($"environments/{envId}/certificates/{stored.Name}")).StatusCode);

        // Time passes: the certificate (a 90-day one, say) is now 29 days from its end. The next run renews it and the balancer serves the new one.
        var state = new TableServiceClient(fixture.ControlPlane.StorageConnection).GetTableClient("envstate");
        var row = state.Query<TableEntity>(e => e.RowKey == CertificateRows.Prefix + stored.Name).Single();
        row["NotBefore"] = DateTimeOffset.UtcNow.AddDays(-61);
        row["NotAfter"] = DateTimeOffset.UtcNow.AddDays(29);
        await state.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge);
        Assert.True((await api.PatchAsync($"environments/{envId}/services/{lb.Id}", new { loadBalancer = new { portRules = rules } })).IsSuccessStatusCode);
        var renewed = await Wait.ForAsync(async () => await ServedAsync(address, Site) is { } s && s.Certificate.Thumbprint != first.Certificate.Thumbprint ? s : null,
            TimeSpan.FromSeconds(120), $"the balancer to serve the renewed certificate\n{group.Logs}");
        Assert.True(ChainsTo(renewed, root));
        Assert.True(renewed.Certificate.NotAfter > DateTime.UtcNow.AddDays(60));
        // Each order's folder (the account key in it) is gone once the order is.
        await Wait.UntilAsync(async () =>
            (await api.ItemsAsync<AcmeOrderView>($"environments/{envId}/acme-orders")).All(o => !o.Ordering) && !fixture.AcmeWorkDir.EnumerateDirectories().Any(),
            TimeSpan.FromSeconds(60), "the ACME work folder to be empty");
    }

    /// <summary>The certificate the balancer's port 443 offers for <paramref name="sni"/>; null while it does not answer.</summary>
    private static async Task<Served?> ServedAsync(string address, string sni)
    {
        try
        {
            using var tcp = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await tcp.ConnectAsync(address, 443, timeout.Token);
            // Trust is checked below, against Pebble's root, with the chain the balancer sent: the handshake takes whatever is offered.
            var sent = new List<X509Certificate2>();
            await using var tls = new SslStream(tcp.GetStream(), false, (_, offered, chain, _) =>
            {
                sent.AddRange(chain?.ChainPolicy.ExtraStore.Select(c => new X509Certificate2(c)) ?? []);
                return offered is not null;
            });
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = sni }, timeout.Token);
            return new Served(new X509Certificate2(tls.RemoteCertificate!), sent);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            return null;
        }
    }

    /// <summary>Whether the served certificate, with the intermediates sent beside it, chains to <paramref name="root"/>.</summary>
    private static bool ChainsTo(Served served, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange(served.Sent.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(served.Certificate);
    }

    private sealed record Served(X509Certificate2 Certificate, IReadOnlyList<X509Certificate2> Sent);
}
