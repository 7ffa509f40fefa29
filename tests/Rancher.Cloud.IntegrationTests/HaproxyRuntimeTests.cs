using Docker.DotNet.Models;
using Rancher.Cloud.Agent.Balancing;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Harness;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// A real HAProxy container (the locally built balancer image) in front of two web containers:
/// members change through the runtime API on the admin socket, without a reload, and traffic
/// follows within a moment.
/// </summary>
public sealed class HaproxyRuntimeTests : IAsyncDisposable
{
    private const string Image = "rancher-cloud-test/haproxy:1";
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("rancher-cloud-balancer-");
    private readonly List<string> containers = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var id in containers)
        {
            await LocalDocker.Client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true });
        }
        dir.Delete(recursive: true);
    }

    [Fact]
    public async Task Members_change_through_the_admin_socket_and_traffic_follows()
    {
        var (web1, address1) = await RunAsync(LocalDocker.TestImage, null);
        var (web2, address2) = await RunAsync(LocalDocker.TestImage, null);
        var backend = new PlannedBackend("web_80", "http", 80, [new PlannedMember("i1", address1)]);
        var balancer = new PlannedBalancer([new PlannedListener(8080, "http", [new PlannedRoute("web_80")])], [backend]);
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "haproxy.cfg"), HaproxyConfig.Render(balancer, "/balancer/admin.sock", "/balancer/certs"));
        var port = Azurite.FreePort();
        await RunAsync(Image, port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        await Wait.UntilAsync(async () => await HostnamesAsync(http, 1) is { Count: 1 }, TimeSpan.FromSeconds(20), "the balancer to answer");
        Assert.Equal([web1], await HostnamesAsync(http, 6));

        var runtime = new HaproxyRuntime(Path.Combine(dir.FullName, "admin.sock"));
        Assert.True(await runtime.ApplyAsync(backend with { Members = [new PlannedMember("i1", address1), new PlannedMember("i2", address2)] }, CancellationToken.None));
        await Wait.UntilAsync(async () => (await HostnamesAsync(http, 6)).Count == 2, TimeSpan.FromSeconds(2), "the second member to take traffic");

        Assert.True(await runtime.ApplyAsync(backend with { Members = [new PlannedMember("i2", address2)] }, CancellationToken.None));
        Assert.Equal([web2], await HostnamesAsync(http, 6));
        var slots = await runtime.SlotsAsync("web_80", CancellationToken.None);
        Assert.Equal(HaproxyConfig.SlotsFor(1), slots.Count);
        Assert.Single(slots, s => !s.InMaintenance);

        // More members than slots: the runtime says so, and the configuration must be rendered again.
        var many = Enumerable.Range(0, HaproxyConfig.SlotsFor(1) + 1).Select(i => new PlannedMember($"m{i}", $"10.99.0.{i + 1}")).ToList();
        Assert.False(await runtime.ApplyAsync(backend with { Members = many }, CancellationToken.None));
    }

    /// <summary>The short hostnames (container ids) that answer <paramref name="requests"/> requests through the balancer.</summary>
    private static async Task<HashSet<string>> HostnamesAsync(HttpClient http, int requests)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < requests; i++)
        {
            try
            {
                var env = await http.GetStringAsync("/cgi-bin/env");
                seen.Add(env.Split('\n').First(l => l.StartsWith("HOSTNAME=", StringComparison.Ordinal))["HOSTNAME=".Length..].Trim());
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                seen.Add("failed");
            }
        }
        return seen;
    }

    /// <summary>Starts a container on Docker's default bridge; the balancer's listener is published on loopback only.</summary>
    private async Task<(string ShortId, string Address)> RunAsync(string image, int? publish)
    {
        var create = new CreateContainerParameters { Image = image, HostConfig = new HostConfig() };
        if (publish is { } port)
        {
            create.ExposedPorts = new Dictionary<string, EmptyStruct> { ["8080/tcp"] = default };
            create.HostConfig.PortBindings = new Dictionary<string, IList<PortBinding>> { ["8080/tcp"] = [new PortBinding { HostIP = "127.0.0.1", HostPort = $"{port}" }] };
            create.HostConfig.Binds = [$"{dir.FullName}:/balancer"];
        }
        var created = await LocalDocker.Client.Containers.CreateContainerAsync(create);
        containers.Add(created.ID);
        await LocalDocker.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        var inspected = await LocalDocker.Client.Containers.InspectContainerAsync(created.ID);
        return (created.ID[..12], inspected.NetworkSettings?.Networks?["bridge"]?.IPAddress ?? throw new InvalidOperationException($"{image} has no address on the default bridge"));
    }
}
