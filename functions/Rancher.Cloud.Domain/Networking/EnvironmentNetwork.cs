using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Networking;

/// <summary>
/// An environment's overlay address plan: its CIDR, one /24 per host, one address per instance
/// from its host's /24 (<c>.1</c> is the host's bridge gateway and DNS responder; <c>.2</c>–<c>.254</c> go
/// to instances). Pure: callers pass what is taken.
/// </summary>
public static class EnvironmentNetwork
{
    public const string DefaultCidr = "10.42.0.0/16";

    /// <summary>Where environment networks may lie: RFC 1918's private ranges and RFC 6598's shared space.</summary>
    public static readonly IReadOnlyList<Ipv4Cidr> PrivateRanges =
        [Ipv4Cidr.Parse("10.0.0.0/8"), Ipv4Cidr.Parse("172.16.0.0/12"), Ipv4Cidr.Parse("192.168.0.0/16"), Ipv4Cidr.Parse("100.64.0.0/10")];

    /// <summary>Addresses per host /24 that instances can use.</summary>
    public const int InstancesPerHost = 253;

    /// <summary>
    /// Validates an environment's CIDR: IPv4, between /8 and /24, not overlapping <paramref name="others"/>.
    /// None asked: 10.42.0.0/16, or the next free /16 after it (10.43.0.0/16, …), so a tenant's
    /// environments never overlap, and clear of what the tenant's machines are known to use
    /// (<paramref name="machinesUse"/>), so their hosts can take a /24 of it.
    /// </summary>
    public static Ipv4Cidr? Check(
        string? cidr, IReadOnlyCollection<(string Name, Ipv4Cidr Cidr)> others, string field, FieldErrors errors, IReadOnlyCollection<Ipv4Cidr>? machinesUse = null)
    {
        if (cidr is null)
        {
            for (var second = 42; second <= 255; second++)
            {
                var candidate = new Ipv4Cidr((10u << 24) | ((uint)second << 16), 16);
                if (!others.Any(o => o.Cidr.Overlaps(candidate)) && machinesUse?.Any(m => m.Overlaps(candidate)) != true)
                {
                    return candidate;
                }
            }
            errors.Add(field, "no free /16 is left in 10.0.0.0/8 for a default; give one");
            return null;
        }
        if (!Ipv4Cidr.TryParse(cidr, out var parsed))
        {
            errors.Add(field, "must be an IPv4 network with its host bits zero, such as 10.42.0.0/16");
            return null;
        }
        if (parsed.Prefix is < 8 or > 24)
        {
            errors.Add(field, "must be between /8 and /24: each host takes a /24 of it");
            return null;
        }
        if (!PrivateRanges.Any(p => p.Contains(parsed.Network) && parsed.Prefix >= p.Prefix))
        {
            errors.Add(field, "must lie in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10): others are someone else's addresses, loopback, link-local or multicast");
            return null;
        }
        foreach (var (name, other) in others)
        {
            if (parsed.Overlaps(other))
            {
                errors.Add(field, $"overlaps environment '{name}' ({other}); hosts of both could not reach each other's containers");
                return null;
            }
        }
        return parsed;
    }

    /// <summary>
    /// The lowest free /24 for a new host that is clear of what its machine already uses
    /// (<paramref name="avoid"/>), or null when none is left.
    /// </summary>
    public static Ipv4Cidr? NextHostSubnet(Ipv4Cidr environment, IEnumerable<Ipv4Cidr> taken, IReadOnlyList<Ipv4Cidr>? avoid = null)
    {
        var used = taken.Select(t => t.Network).ToHashSet();
        for (var i = 0; i < environment.Subnet24Count; i++)
        {
            var subnet = environment.Subnet24(i);
            if (!used.Contains(subnet.Network) && avoid?.Any(a => a.Overlaps(subnet)) != true)
            {
                return subnet;
            }
        }
        return null;
    }

    /// <summary>
    /// The next free instance address of a host's /24 after the highest one taken, wrapping round
    /// to the lowest free; null when all 253 are taken. An address an instance just left is not
    /// handed out again at once: its container may still be on its way out (the new one would wait
    /// for it), and its peers may still hold it in their ARP and connection tables.
    /// </summary>
    public static uint? NextInstanceAddress(Ipv4Cidr hostSubnet, IReadOnlySet<uint> taken)
    {
        var highest = Enumerable.Range(FirstInstanceOffset, Offsets).LastOrDefault(offset => taken.Contains(hostSubnet.At(offset)), FirstInstanceOffset - 1);
        for (var n = 1; n <= Offsets; n++)
        {
            var address = hostSubnet.At(FirstInstanceOffset + ((highest - FirstInstanceOffset + n) % Offsets));
            if (!taken.Contains(address))
            {
                return address;
            }
        }
        return null;
    }

    /// <summary>.2 to .254 of a host's /24: .1 is the host's own, .255 the broadcast.</summary>
    private const int FirstInstanceOffset = 2;

    private const int Offsets = 253;
}
