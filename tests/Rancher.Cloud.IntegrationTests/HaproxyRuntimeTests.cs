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
public sealed class HaproxyRuntimeTests : IAsyncLifetime
{
    private const string Image = "rancher-cloud-test/haproxy:1";

    /// <summary>What <see cref="HostnamesAsync"/> counts for a request that got no page.</summary>
    private const string Failed = "failed";
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("rancher-cloud-balancer-");
    private BalancerFolder Folder => new BalancerFolder(dir.FullName).Create();
    private readonly List<string> containers = [];

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 does not dispose test classes asynchronously, and the containers leaked.
    public async Task DisposeAsync()
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
        var (web1, address1) = await RunAsync(LocalDocker.TestImage);
        var (web2, address2) = await RunAsync(LocalDocker.TestImage);
        var backend = new PlannedBackend("web_80", "http", 80, [new PlannedMember("i1", address1)]);
        var balancer = new PlannedBalancer([new PlannedListener(8080, "http", [new PlannedRoute("web_80")])], [backend]);
        await File.WriteAllTextAsync(Folder.ConfigFile, Render(balancer));
        var port = Azurite.FreePort();
        await RunAsync(Image, null, (8080, port));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        await Wait.UntilAsync(async () => !(await HostnamesAsync(http, 1)).Contains(Failed), TimeSpan.FromSeconds(20), "the balancer to answer");
        Assert.Equal([web1[..12]], await HostnamesAsync(http, 6));

        var runtime = new HaproxyRuntime(Folder.AdminSocket);
        Assert.True(await runtime.ApplyAsync(backend with { Members = [new PlannedMember("i1", address1), new PlannedMember("i2", address2)] }, CancellationToken.None));
        await Wait.UntilAsync(async () => (await HostnamesAsync(http, 6)) is { Count: 2 } seen && !seen.Contains(Failed), TimeSpan.FromSeconds(2), "the second member to take traffic");

        // The member that went into a slot the file started disabled leaves it too.
        Assert.True(await runtime.ApplyAsync(backend, CancellationToken.None));
        Assert.Equal([web1[..12]], await HostnamesAsync(http, 6));

        Assert.True(await runtime.ApplyAsync(backend with { Members = [new PlannedMember("i2", address2)] }, CancellationToken.None));
        Assert.Equal([web2[..12]], await HostnamesAsync(http, 6));
        var slots = await runtime.SlotsAsync("web_80", CancellationToken.None);
        Assert.Equal(HaproxyConfig.SlotsFor(1), slots.Count);
        Assert.Single(slots, s => !s.InMaintenance);

        // A canary's weights: set through the socket on members already in their slots, and traffic splits by them.
        Assert.True(await runtime.ApplyAsync(backend with { Members = [new PlannedMember("i1", address1) { Weight = 3 }, new PlannedMember("i2", address2) { Weight = 1 }] }, CancellationToken.None));
        Assert.Equal([3, 1], (await runtime.SlotsAsync("web_80", CancellationToken.None)).Where(s => !s.InMaintenance).OrderBy(s => s.Address == address2).Select(s => s.Weight));
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < 40; i++)
        {
            var env = await http.GetStringAsync("/cgi-bin/env");
            var host = env.Split('\n').First(l => l.StartsWith("HOSTNAME=", StringComparison.Ordinal))["HOSTNAME=".Length..].Trim();
            counts[host] = counts.GetValueOrDefault(host) + 1;
        }
        Assert.InRange(counts.GetValueOrDefault(web1[..12]), 28, 32); // round robin by weight: 3 of every 4
        Assert.True(await runtime.ApplyAsync(backend with { Members = [new PlannedMember("i2", address2)] }, CancellationToken.None));
        Assert.Equal(1, (await runtime.SlotsAsync("web_80", CancellationToken.None)).Single(s => !s.InMaintenance).Weight);

        // More members than slots: the runtime says so, and the configuration must be rendered again.
        var many = Enumerable.Range(0, HaproxyConfig.SlotsFor(1) + 1).Select(i => new PlannedMember($"m{i}", $"10.99.0.{i + 1}")).ToList();
        Assert.False(await runtime.ApplyAsync(backend with { Members = many }, CancellationToken.None));
    }

    [Fact]
    public async Task A_new_configuration_is_checked_reloaded_and_an_open_stream_outlives_the_reload()
    {
        var (_, echo) = await RunAsync(LocalDocker.TestImage, ["nc", "-ll", "-p", "9000", "-e", "cat"]);
        var (web, webAddress) = await RunAsync(LocalDocker.TestImage);
        var stream = new PlannedListener(8080, "tcp", [new PlannedRoute("echo_9000")]);
        var before = new PlannedBalancer([stream], [new PlannedBackend("echo_9000", "tcp", 9000, [new PlannedMember("e", echo)])]) { DrainTimeoutMs = 30_000 };
        await File.WriteAllTextAsync(Folder.ConfigFile, Render(before));
        var (streamPort, httpPort) = (Azurite.FreePort(), Azurite.FreePort());
        var (balancer, _) = await RunAsync(Image, null, (8080, streamPort), (8081, httpPort));
        var configuration = new BalancerConfiguration(LocalDocker.Client, balancer, Folder);
        await Wait.UntilAsync(async () => await configuration.WorkerAsync(CancellationToken.None) is not null, TimeSpan.FromSeconds(20), "the balancer's worker");
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, streamPort);
        using var reader = new StreamReader(client.GetStream());
        await using var writer = new StreamWriter(client.GetStream()) { AutoFlush = true, NewLine = "\n" };
        await writer.WriteLineAsync("before");
        Assert.Equal("before", await reader.ReadLineAsync());

        // A configuration HAProxy refuses is not installed: the balancer keeps its last good one.
        var refusal = await configuration.ApplyAsync(Render(before).Replace("balance roundrobin", "balance nonsense", StringComparison.Ordinal), CancellationToken.None);
        Assert.Contains("HAProxy refused", refusal, StringComparison.Ordinal);
        Assert.Contains("balance only supports", refusal, StringComparison.Ordinal); // HAProxy's own reason, not only ours
        Assert.Equal(Render(before), await File.ReadAllTextAsync(Folder.ConfigFile));

        // A new listener and backend: checked, installed, reloaded.
        var after = before with
        {
            Listeners = [stream, new PlannedListener(8081, "http", [new PlannedRoute("web_80")])],
            Backends = [.. before.Backends, new PlannedBackend("web_80", "http", 80, [new PlannedMember("w", webAddress)])],
        };
        Assert.Null(await configuration.ApplyAsync(Render(after), CancellationToken.None));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(5) };
        Assert.Equal([web[..12]], await HostnamesAsync(http, 2));

        // The stream opened before the reload is still served, by the old worker, until the drain ends.
        await writer.WriteLineAsync("after the reload");
        Assert.Equal("after the reload", await reader.ReadLineAsync());
    }

    [Fact]
    public async Task The_agent_keeps_a_balancer_on_its_plan_members_without_a_reload_and_rules_with_one()
    {
        var (web1, address1) = await RunAsync(LocalDocker.TestImage);
        var (web2, address2) = await RunAsync(LocalDocker.TestImage);
        var hostId = $"h-balancer-{Guid.NewGuid():N}"[..20];
        var port = Azurite.FreePort();
        var options = Microsoft.Extensions.Options.Options.Create(new Agent.AgentOptions { StateDir = dir.FullName });
        Agent.Converge.IReconciler[] reconcilers =
        [
            new BalancerReconciler(LocalDocker.Client, null, options, Microsoft.Extensions.Logging.Abstractions.NullLogger<BalancerReconciler>.Instance),
            new Agent.ContainerReconciler(LocalDocker.Client, options, Microsoft.Extensions.Logging.Abstractions.NullLogger<Agent.ContainerReconciler>.Instance),
        ];
        var web = new PlannedBackend("web_80", "http", 80, [new PlannedMember("i1", address1)]);
        var env = new PlannedBackend("env_80", "http", 80, [new PlannedMember("i2", address2)]);
        var balancer = new PlannedBalancer([new PlannedListener(port, "http", [new PlannedRoute("web_80")])], [web, env]);
        var container = new PlannedContainer("ilb1", "slb", "lb", Image, [], new Dictionary<string, string>(), [new PlannedPort(port, port, "tcp")], "shape-1");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        var folder = BalancerFolder.Of(dir.FullName, "ilb1");
        try
        {
            async Task PassAsync(PlannedBalancer planned, long version)
            {
                var pass = new Agent.Converge.Convergence(new HostPlan(hostId, version, [container with { Balancer = planned }]));
                foreach (var reconciler in reconcilers)
                {
                    var condition = await reconciler.ReconcileAsync(pass, CancellationToken.None);
                    Assert.True(condition.Ready, condition.Error);
                }
            }

            // Started on the configuration written before its container.
            await PassAsync(balancer, 1);
            var configuration = new BalancerConfiguration(LocalDocker.Client, "unused", folder);
            await Wait.UntilAsync(async () => await configuration.WorkerAsync(CancellationToken.None) is not null, TimeSpan.FromSeconds(20), "the balancer's worker");
            await Wait.UntilAsync(async () => !(await HostnamesAsync(http, 1)).Contains(Failed), TimeSpan.FromSeconds(20), "the balancer to answer");
            Assert.Equal([web1[..12]], await HostnamesAsync(http, 4));
            var worker = await configuration.WorkerAsync(CancellationToken.None);

            // Another member: through the runtime API, the same worker.
            await PassAsync(balancer with { Backends = [web with { Members = [.. web.Members, new PlannedMember("i3", address2)] }, env] }, 2);
            Assert.Equal(new[] { web1[..12], web2[..12] }.Order(StringComparer.Ordinal), (await HostnamesAsync(http, 6)).Order(StringComparer.Ordinal));
            Assert.Equal(worker, await configuration.WorkerAsync(CancellationToken.None));

            // Another rule: checked, reloaded by a new worker, and the route follows.
            await PassAsync(balancer with { Listeners = [new PlannedListener(port, "http", [new PlannedRoute("env_80", Path: "/cgi-bin"), new PlannedRoute("web_80")])] }, 3);
            Assert.NotEqual(worker, await configuration.WorkerAsync(CancellationToken.None));
            Assert.Equal([web2[..12]], await HostnamesAsync(http, 4));
        }
        finally
        {
            await LocalDocker.RemoveOwnedByAsync(hostId);
        }
    }

    private static string Render(PlannedBalancer balancer) => BalancerFolder.Render(balancer);

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
                seen.Add(Failed);
            }
        }
        return seen;
    }

    /// <summary>Starts a container on Docker's default bridge; a balancer's listeners are published on loopback only, and it gets the test's folder.</summary>
    private async Task<(string Id, string Address)> RunAsync(string image, IList<string>? command = null, params (int Container, int Host)[] publish)
    {
        var create = new CreateContainerParameters { Image = image, Cmd = command ?? [], HostConfig = new HostConfig() };
        if (publish.Length > 0)
        {
            create.ExposedPorts = publish.ToDictionary(p => $"{p.Container}/tcp", _ => default(EmptyStruct));
            create.HostConfig.PortBindings = publish.ToDictionary(p => $"{p.Container}/tcp", p => (IList<PortBinding>)[new PortBinding { HostIP = "127.0.0.1", HostPort = $"{p.Host}" }]);
            create.HostConfig.Binds = [.. Folder.Binds];
        }
        var created = await LocalDocker.Client.Containers.CreateContainerAsync(create);
        containers.Add(created.ID);
        await LocalDocker.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        var inspected = await LocalDocker.Client.Containers.InspectContainerAsync(created.ID);
        return (created.ID, inspected.NetworkSettings?.Networks?["bridge"]?.IPAddress ?? throw new InvalidOperationException($"{image} has no address on the default bridge"));
    }
}
