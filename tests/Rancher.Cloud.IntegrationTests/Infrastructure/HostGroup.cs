using Rancher.Cloud.Harness;
using Xunit.Abstractions;

namespace Rancher.Cloud.IntegrationTests.Infrastructure;

/// <summary>
/// Namespace hosts with their agents registered to one environment; disposing writes each
/// agent's log to the test's output (shown when the test fails), then stops and removes them all.
/// </summary>
public sealed class HostGroup(ITestOutputHelper output) : IAsyncDisposable
{
    public List<NamespaceHost> Hosts { get; } = [];

    public List<AgentProcess> Agents { get; } = [];

    /// <summary>Starts <paramref name="count"/> hosts with agents registered to <paramref name="envId"/>; <paramref name="labels"/> gives the labels for the host at each index.</summary>
    public static async Task<HostGroup> StartAsync(
        MultiHostFixture fixture, ITestOutputHelper output, Api api, string envId, int count, Func<int, IReadOnlyDictionary<string, string>?>? labels = null)
    {
        var group = new HostGroup(output);
        try
        {
            for (var i = 0; i < count; i++)
            {
                await group.AddHostAsync(fixture, api, envId, labels?.Invoke(i));
            }
            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    /// <summary>One more host with its agent registered to <paramref name="envId"/>; <paramref name="toolsFirst"/> is searched before the machine's tools.</summary>
    public async Task<AgentProcess> AddHostAsync(
        MultiHostFixture fixture, Api api, string envId, IReadOnlyDictionary<string, string>? labels = null, string? toolsFirst = null)
    {
        var host = await fixture.Network.AddHostAsync();
        Hosts.Add(host);
        var token = (await api.CreateTokenAsync(envId)).Token;
        var agent = await host.StartAgentAsync(fixture.ControlPlane.PublicUrl, token, labels: labels, toolsFirst: toolsFirst);
        Agents.Add(agent);
        return agent;
    }

    /// <summary>Every agent's log, for a failing test's message.</summary>
    public string Logs => string.Join("\n", Agents.Select((a, i) =>
        $"--- agent {i} ({a.HostId}){(a.HasExited ? $", exited with {a.ExitCode}" : "")}\n{a.Log}\n--- its engine's warnings\n{Hosts[i].EngineLog}"));

    /// <summary>How many peers the tunnel of the host at <paramref name="index"/> has, as <c>wg</c> shows them inside its namespace.</summary>
    public async Task<int> PeersAsync(int index) =>
        (await Hosts[index].RunAsync("wg", "show", Agent.Networking.Tunnel.InterfaceName(Agents[index].HostId), "peers"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>The namespace host an agent registered as <paramref name="hostId"/> runs in.</summary>
    public NamespaceHost HostOf(string hostId) => Hosts[Agents.FindIndex(a => a.HostId == hostId)];

    public async ValueTask DisposeAsync()
    {
        output.WriteLine(Logs);
        foreach (var agent in Agents)
        {
            await agent.DisposeAsync();
        }
        foreach (var host in Hosts)
        {
            await host.DisposeAsync();
        }
    }
}
