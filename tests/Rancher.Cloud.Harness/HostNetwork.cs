using System.Globalization;

namespace Rancher.Cloud.Harness;

/// <summary>
/// Several Docker hosts on one machine: each a network namespace with its own dockerd and
/// agent, all joined by one bridge whose address (<see cref="Gateway"/>) the control plane
/// listens on. Disposing tears everything down; a run that crashed is swept by the next.
/// </summary>
public sealed class HostNetwork : IAsyncDisposable
{
    /// <summary>Every name the harness creates starts with this, so leftovers can be found.</summary>
    public const string Prefix = "rct";

    private static readonly SemaphoreSlim SweepOnce = new(1, 1);
    private static bool swept;
    private readonly List<NamespaceHost> hosts = [];

    private HostNetwork(int id)
    {
        Id = id;
        Bridge = $"{Prefix}b{id}";
        Subnet = $"172.30.{id}"; // away from 10.0.0.0/8, where environment networks live
    }

    public int Id { get; }

    public string Bridge { get; }

    /// <summary>The first three octets of the hosts' /24.</summary>
    public string Subnet { get; }

    /// <summary>The bridge's own address: where the hosts reach the control plane.</summary>
    public string Gateway => $"{Subnet}.1";

    public IReadOnlyList<NamespaceHost> Hosts => hosts;

    public static async Task<HostNetwork> CreateAsync()
    {
        await SweepLeftoversAsync();
        var network = new HostNetwork(Random.Shared.Next(1, 250));
        await Shell.RunAsync("ip", "link", "add", network.Bridge, "type", "bridge");
        await Shell.RunAsync("ip", "addr", "add", $"{network.Gateway}/24", "dev", network.Bridge);
        await Shell.RunAsync("ip", "link", "set", network.Bridge, "up");
        // dockerd on the machine sets FORWARD to DROP; traffic between the hosts must still pass.
        await Shell.TryAsync("iptables", "-I", "FORWARD", "-i", network.Bridge, "-o", network.Bridge, "-j", "ACCEPT");
        return network;
    }

    /// <summary>Starts a new host: namespace, link to the bridge, its own dockerd with the test images loaded.</summary>
    public async Task<NamespaceHost> AddHostAsync()
    {
        var index = hosts.Count + 1;
        var host = new NamespaceHost(this, $"{Prefix}{Id}h{index}", $"{Subnet}.{10 + index}");
        hosts.Add(host);
        await host.StartAsync();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in hosts)
        {
            await host.DisposeAsync();
        }
        await Shell.TryAsync("iptables", "-D", "FORWARD", "-i", Bridge, "-o", Bridge, "-j", "ACCEPT");
        await Shell.TryAsync("ip", "link", "del", Bridge);
    }

    /// <summary>Removes namespaces, dockerds and bridges a crashed earlier run left behind (once per process).</summary>
    private static async Task SweepLeftoversAsync()
    {
        await SweepOnce.WaitAsync();
        try
        {
            if (swept)
            {
                return;
            }
            swept = true;
            foreach (var line in (await Shell.RunAsync("ip", "netns", "list")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var name = line.Split(' ')[0];
                if (name.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    await NamespaceHost.TearDownAsync(name);
                }
            }
            // wireguard-go of hosts whose namespace is gone (their interface is nowhere): nothing else stops them.
            var (_, tunnels) = await Shell.RunUntilExitAsync(TimeSpan.FromSeconds(5), "pgrep", "-a", "wireguard-go");
            foreach (var process in tunnels.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')))
            {
                if (process.Length == 3 && process[2].StartsWith("rcw", StringComparison.Ordinal) && !await Shell.TryAsync("ip", "link", "show", process[2]))
                {
                    await Shell.TryAsync("kill", process[0]);
                }
            }
            foreach (var line in (await Shell.RunAsync("ip", "-o", "link", "show", "type", "bridge")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var name = line.Split(':', 3)[1].Trim();
                if (name.StartsWith(Prefix + "b", StringComparison.Ordinal)
                    && int.TryParse(name[(Prefix.Length + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    await Shell.TryAsync("ip", "link", "del", name);
                }
            }
        }
        finally
        {
            SweepOnce.Release();
        }
    }
}
