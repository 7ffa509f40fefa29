namespace Rancher.Cloud.Domain.Networking;

/// <summary>
/// The IPv4 ranges a host's machine already uses (its routes, addresses and Docker networks, as
/// its agent reports them), held against the environment's plan: a host's /24 is claimed clear of
/// them, and a /24 that something on the machine took later is a conflict named by its range.
/// </summary>
public static class MachineRanges
{
    /// <summary>Ranges an agent may report; more is a machine the platform cannot reason about anyway.</summary>
    public const int MaxRanges = 256;

    /// <summary>The reported ranges that parse; the rest are left out (validation refuses them at the door).</summary>
    public static IReadOnlyList<Ipv4Cidr> Parse(IReadOnlyList<string>? ranges) =>
        ranges?.Select(r => Ipv4Cidr.TryParse(r, out var cidr) ? cidr : (Ipv4Cidr?)null).OfType<Ipv4Cidr>().ToList() ?? [];

    /// <summary>Why <paramref name="subnet"/> collides with the machine, or null when it is clear.</summary>
    public static string? ConflictOf(string? subnet, IReadOnlyList<string>? ranges)
    {
        if (!Ipv4Cidr.TryParse(subnet, out var own))
        {
            return null;
        }
        return Parse(ranges).Where(r => r.Overlaps(own)).Select(r => (Ipv4Cidr?)r).FirstOrDefault() is { } clash
            ? $"its network {own} overlaps {clash}, which the machine already uses (a route, an address or a Docker network); remove that, or remove the host and register it again to get a clear /24"
            : null;
    }
}
