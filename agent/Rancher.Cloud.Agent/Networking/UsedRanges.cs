using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Rancher.Cloud.Agent.Networking;

/// <summary>
/// The IPv4 networks this machine already uses: its routes (but the default one), its interfaces'
/// networks and its Docker networks, without what this agent made itself (its environment's
/// bridge and network, its tunnel). Reported at registration and in every heartbeat, so the host's
/// /24 is chosen clear of them and a later collision shows as a conflict naming the range.
/// </summary>
public sealed class UsedRanges(IDockerClient docker)
{
    private const int MaxRanges = 256;

    /// <summary>Set once the host has an identity: its own bridge, network and tunnel are then left out.</summary>
    public (string HostId, string EnvironmentId)? Own { get; set; }

    public async Task<IReadOnlyList<string>> ReadAsync(CancellationToken ct)
    {
        var ownNetwork = Own is { } own ? $"rancher-{own.EnvironmentId}" : null;
        var ownInterfaces = Own is { } me
            ? new HashSet<string>(StringComparer.Ordinal) { Tunnel.InterfaceName(me.HostId), EnvironmentBridge.BridgeName(ownNetwork!) }
            : [];
        var ranges = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (iface, cidr) in Routes())
        {
            if (!ownInterfaces.Contains(iface) && iface != "lo")
            {
                ranges.Add(cidr);
            }
        }
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.NetworkInterfaceType == NetworkInterfaceType.Loopback || ownInterfaces.Contains(nic.Name))
            {
                continue;
            }
            foreach (var address in nic.GetIPProperties().UnicastAddresses.Where(a => a.Address.AddressFamily == AddressFamily.InterNetwork && a.PrefixLength > 0))
            {
                ranges.Add(Format(ToUInt(address.Address), address.PrefixLength));
            }
        }
        foreach (var network in await docker.Networks.ListNetworksAsync(new NetworksListParameters(), ct))
        {
            if (network.Name == ownNetwork)
            {
                continue;
            }
            foreach (var config in network.IPAM?.Config ?? [])
            {
                if (config.Subnet is { } subnet && subnet.Split('/') is [var ip, var bits]
                    && IPAddress.TryParse(ip, out var address) && address.AddressFamily == AddressFamily.InterNetwork
                    && int.TryParse(bits, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) && prefix is > 0 and <= 32)
                {
                    ranges.Add(Format(ToUInt(address), prefix));
                }
            }
        }
        return ranges.Take(MaxRanges).ToList();
    }

    /// <summary>The main table's IPv4 routes from /proc/net/route (this network namespace's): interface and destination.</summary>
    private static IEnumerable<(string Interface, string Cidr)> Routes()
    {
        const string table = "/proc/net/route";
        if (!File.Exists(table))
        {
            yield break;
        }
        foreach (var line in File.ReadLines(table).Skip(1))
        {
            var fields = line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length < 8
                || !uint.TryParse(fields[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var destination)
                || !uint.TryParse(fields[7], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask)
                || mask == 0)
            {
                continue; // the default route overlaps everything and says nothing
            }
            // The kernel prints the network-order address as a little-endian number: bytes reversed.
            var network = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(destination);
            var prefix = System.Numerics.BitOperations.PopCount(mask);
            yield return (fields[0], Format(network, prefix));
        }
    }

    private static uint ToUInt(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
    }

    /// <summary>The network's CIDR, host bits cleared.</summary>
    private static string Format(uint address, int prefix)
    {
        var network = prefix == 0 ? 0 : address & (uint.MaxValue << (32 - prefix));
        return string.Create(CultureInfo.InvariantCulture, $"{network >> 24}.{(network >> 16) & 255}.{(network >> 8) & 255}.{network & 255}/{prefix}");
    }
}
