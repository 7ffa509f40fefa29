using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Networking;

/// <summary>
/// The host's end of the environment overlay: a WireGuard interface (kernel WireGuard where the
/// module exists, <c>wireguard-go</c> otherwise) with one peer per other host, a route per peer's
/// /24 through it, and two firewall rules: traffic between environment addresses is not
/// masqueraded (so the far side sees the real source), and traffic arriving from the tunnel may
/// reach the environment bridge. Applied when the plan's network changes, and every few minutes to
/// mend what was undone by hand; each step is idempotent, so a restarted agent converges the same way.
/// </summary>
public sealed class Tunnel(TunnelKeys keys, IOptions<AgentOptions> options, TimeProvider clock, ILogger<Tunnel> log)
{
    /// <summary>Applied again this often even when the plan did not change, to mend what someone undid by hand.</summary>
    private static readonly TimeSpan Refresh = TimeSpan.FromMinutes(5);

    private string applied = "";
    private PlannedNetwork? appliedFrom;
    private DateTimeOffset appliedAt;

    /// <summary>Linux interface names are at most 15 characters; the UAPI socket of wireguard-go is per name, machine-wide.</summary>
    public static string InterfaceName(string hostId) => Overlay.InterfacePrefix + "w" + EnvironmentBridge.NameHash(hostId);

    public async Task EnsureAsync(string hostId, PlannedNetwork network, CancellationToken ct)
    {
        if (clock.GetUtcNow() - appliedAt < Refresh)
        {
            // Every converge pass comes here; only a newly fetched plan is compared with what was applied.
            if (ReferenceEquals(network, appliedFrom))
            {
                return;
            }
            if (JsonSerializer.Serialize(network) == applied)
            {
                appliedFrom = network;
                return;
            }
        }
        if (await keys.PublicKeyAsync(ct) is null)
        {
            return;
        }
        var wanted = JsonSerializer.Serialize(network);
        var wg = InterfaceName(hostId);
        await EnsureInterfaceAsync(wg, network.Mtu, ct);
        await Commands.RunAsync("wg", ["set", wg, "listen-port", $"{options.Value.WireGuardPort}", "private-key", keys.PrivateKeyPath], ct);
        await SyncPeersAsync(wg, network.Peers, ct);
        await SyncRoutesAsync(wg, network.Peers, ct);
        var bridge = EnvironmentBridge.BridgeName(network);
        await EnsureRuleAsync(["-t", "nat", "POSTROUTING", "-s", network.EnvironmentCidr, "-d", network.EnvironmentCidr, "-j", "RETURN"], ct);
        await EnsureRuleAsync(["DOCKER-USER", "-i", wg, "-o", bridge, "-j", "ACCEPT"], ct);
        if (wanted != applied)
        {
            log.LogInformation("Tunnel {Interface}: {Peers} peer(s)", wg, network.Peers.Count);
        }
        applied = wanted;
        appliedFrom = network;
        appliedAt = clock.GetUtcNow();
    }

    private static async Task EnsureInterfaceAsync(string wg, int mtu, CancellationToken ct)
    {
        if ((await Commands.TryAsync("ip", ["link", "show", wg], ct)).ExitCode != 0)
        {
            // Kernel WireGuard when the module is there; the userspace implementation otherwise (it daemonizes and outlives the agent).
            if ((await Commands.TryAsync("ip", ["link", "add", wg, "type", "wireguard"], ct)).ExitCode != 0)
            {
                await Commands.RunAsync("wireguard-go", [wg], ct);
            }
        }
        await Commands.RunAsync("ip", ["link", "set", wg, "mtu", $"{mtu}", "up"], ct);
    }

    private static async Task SyncPeersAsync(string wg, IReadOnlyList<PlannedPeer> peers, CancellationToken ct)
    {
        var current = (await Commands.RunAsync("wg", ["show", wg, "peers"], ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var wanted = peers.Select(p => p.PublicKey).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in current.Where(k => !wanted.Contains(k)))
        {
            await Commands.RunAsync("wg", ["set", wg, "peer", gone, "remove"], ct);
        }
        foreach (var peer in peers)
        {
            await Commands.RunAsync("wg", ["set", wg, "peer", peer.PublicKey, "endpoint", peer.Endpoint, "allowed-ips", peer.Subnet, "persistent-keepalive", "25"], ct);
        }
    }

    private static async Task SyncRoutesAsync(string wg, IReadOnlyList<PlannedPeer> peers, CancellationToken ct)
    {
        var routes = (await Commands.RunAsync("ip", ["-4", "route", "show", "dev", wg], ct))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToHashSet(StringComparer.Ordinal);
        var wanted = peers.Select(p => p.Subnet).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in routes.Where(r => !wanted.Contains(r)))
        {
            await Commands.TryAsync("ip", ["route", "del", gone, "dev", wg], ct);
        }
        foreach (var subnet in wanted)
        {
            await Commands.RunAsync("ip", ["route", "replace", subnet, "dev", wg], ct);
        }
    }

    /// <summary>Inserts an iptables rule at the top of its chain unless it is there already.</summary>
    private static async Task EnsureRuleAsync(string[] rule, CancellationToken ct)
    {
        var (table, chainAndSpec) = rule[0] == "-t" ? (rule[..2], rule[2..]) : ([], rule);
        if ((await Commands.TryAsync("iptables", [.. table, "-C", .. chainAndSpec], ct)).ExitCode != 0)
        {
            await Commands.RunAsync("iptables", [.. table, "-I", chainAndSpec[0], "1", .. chainAndSpec[1..]], ct);
        }
    }
}
