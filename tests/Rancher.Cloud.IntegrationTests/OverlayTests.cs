using System.Diagnostics;
using System.Text.RegularExpressions;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// The encrypted overlay on three real hosts: a container on host A reaches a service on host B
/// at its environment address; the underlay carries only WireGuard between them; removing host C
/// takes it out of A's and B's peers without breaking A↔B.
/// </summary>
[Collection(MultiHostCollection.Name)]
public sealed partial class OverlayTests(MultiHostFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Containers_reach_each_other_across_hosts_only_through_the_tunnel()
    {
        using var api = fixture.ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"overlay-{Guid.NewGuid():N}"[..20]);
        await using var group = await HostGroup.StartAsync(fixture, output, api, envId, 3,
            i => new Dictionary<string, string> { ["role"] = $"{(char)('a' + i)}" });
        var (a, b, c) = (group.Hosts[0], group.Hosts[1], group.Hosts[2]);

        var web = await api.CreateServiceAsync(envId, new
        {
            name = "web", image = LocalDocker.TestImage,
            scheduling = new { hostLabels = new[] { new { key = "role", value = "b" } } },
        });
        var client = await api.CreateServiceAsync(envId, new
        {
            name = "client", image = LocalDocker.TestImage, command = new[] { "sleep", "3600" },
            scheduling = new { hostLabels = new[] { new { key = "role", value = "a" } } },
        });
        var webAddress = Services.AddressOf((await Services.RunningAsync(api, envId, web.Id, 1))[0]);
        var clientInstance = (await Services.RunningAsync(api, envId, client.Id, 1))[0];
        var clientContainer = Services.ContainerOf(clientInstance);
        var clientAddress = Services.AddressOf(clientInstance);
        await Wait.UntilAsync(async () => await group.PeersAsync(0) == 2, TimeSpan.FromSeconds(30), "host A to have both other hosts as peers");

        // Watch everything on the underlay, unfiltered, while A's container fetches from B's: a
        // filter on the hosts' addresses could not see overlay addresses leaking in clear.
        var capture = await TcpdumpAsync(fixture.Network.Bridge);
        string page;
        try
        {
            page = await Wait.ForAsync(async () =>
            {
                var (code, text) = await FetchAsync(a, clientContainer, webAddress);
                return code == 0 ? text : null;
            }, TimeSpan.FromSeconds(30), $"the client on host A to fetch from {webAddress} on host B");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{await DiagnosticsAsync(group)}\ncapture:\n{string.Join('\n', (await capture.StopAsync()).Take(30))}", e);
        }
        Assert.Contains("rancher-cloud-test web", page, StringComparison.Ordinal);
        var seen = await capture.StopAsync();
        output.WriteLine(string.Join('\n', seen.Take(10)));

        var headers = seen.Where(l => Packet().IsMatch(l)).ToList();
        var betweenAandB = headers.Where(l => Between(l, a.Address, b.Address)).ToList();
        Assert.NotEmpty(betweenAandB);
        Assert.All(betweenAandB, p => Assert.Matches($@"IP {Regex.Escape(a.Address)}\.51820 > {Regex.Escape(b.Address)}\.51820: UDP|IP {Regex.Escape(b.Address)}\.51820 > {Regex.Escape(a.Address)}\.51820: UDP", p));
        // No packet on the underlay is addressed to or from an overlay address, and the request and page never show in clear.
        // (Agents' own calls to the local control plane do cross it in clear, and their plans name overlay addresses: payload lines are not headers.)
        Assert.DoesNotContain(headers, l => Names(l, webAddress) || Names(l, clientAddress));
        Assert.DoesNotContain(seen, l => l.Contains("rancher-cloud-test web", StringComparison.Ordinal) || l.Contains("GET / HTTP/1.0", StringComparison.Ordinal));

        // Host C leaves: A and B drop it as a peer, and A still reaches B.
        Assert.True((await api.DeleteAsync($"environments/{envId}/hosts/{group.Agents[2].HostId}")).IsSuccessStatusCode);
        await Wait.UntilAsync(async () => await group.PeersAsync(0) == 1 && await group.PeersAsync(1) == 1,
            TimeSpan.FromSeconds(30), "hosts A and B to drop host C");
        var (again, _) = await FetchAsync(a, clientContainer, webAddress);
        Assert.Equal(0, again);
        _ = c;
    }

    /// <summary>An HTTP GET from inside a container with busybox nc (the image's static wget cannot resolve services on every host).</summary>
    private static Task<(long, string)> FetchAsync(NamespaceHost host, string container, string address) =>
        DockerExec.RunAsync(host.Docker, container, "sh", "-c", $"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {address} 80");

    private static async Task<string> DiagnosticsAsync(HostGroup group)
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < 2; i++)
        {
            var host = group.Hosts[i];
            var wg = Agent.Networking.Tunnel.InterfaceName(group.Agents[i].HostId);
            foreach (var command in new[] { new[] { "ip", "-4", "addr" }, ["ip", "route"], ["wg", "show", wg], ["iptables", "-S"], ["iptables", "-t", "nat", "-S"] })
            {
                var (_, result) = await Shell.RunUntilExitAsync(TimeSpan.FromSeconds(5), "nsenter", [$"--net={host.NetnsPath}", .. command]);
                text.AppendLine($"--- host {i}: {string.Join(' ', command)}\n{result}");
            }
        }
        return text.ToString();
    }

    private static bool Between(string header, string one, string other) => Names(header, one) && Names(header, other);

    /// <summary>Whether a tcpdump header line names <paramref name="address"/> as a source or destination (with or without a port).</summary>
    private static bool Names(string header, string address) =>
        Regex.IsMatch(header, $@"(IP |> ){Regex.Escape(address)}[.:]");

    private static async Task<Capture> TcpdumpAsync(string device)
    {
        var start = new ProcessStartInfo("tcpdump") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-i", device, "-nn", "-l", "-A" })
        {
            start.ArgumentList.Add(arg);
        }
        var capture = new Capture(Process.Start(start)!);
        await Wait.UntilAsync(() => Task.FromResult(capture.Listening), TimeSpan.FromSeconds(10), "tcpdump to listen");
        return capture;
    }

    /// <summary>A running tcpdump; its text output, packet headers and payloads.</summary>
    private sealed class Capture
    {
        private readonly Process process;
        private readonly List<string> lines = [];

        public Capture(Process process)
        {
            this.process = process;
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (lines) { lines.Add(e.Data); } } };
            process.ErrorDataReceived += (_, e) => Listening |= e.Data?.Contains("listening on", StringComparison.Ordinal) == true;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public bool Listening { get; private set; }

        public async Task<IReadOnlyList<string>> StopAsync()
        {
            await Task.Delay(500); // let the last packets print
            process.Kill();
            await process.WaitForExitAsync();
            lock (lines)
            {
                return lines.ToList();
            }
        }
    }

    [GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d+ IP ")]
    private static partial Regex Packet();
}
