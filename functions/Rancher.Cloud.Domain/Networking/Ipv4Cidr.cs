using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Rancher.Cloud.Domain.Networking;

/// <summary>An IPv4 network: a base address (host bits zero) and a prefix length.</summary>
public readonly partial record struct Ipv4Cidr(uint Network, int Prefix)
{
    public uint Mask => Prefix == 0 ? 0 : uint.MaxValue << (32 - Prefix);

    public uint Size => Prefix == 0 ? uint.MaxValue : 1u << (32 - Prefix);

    public bool Contains(uint address) => (address & Mask) == Network;

    public bool Overlaps(Ipv4Cidr other) => Contains(other.Network) || other.Contains(Network);

    /// <summary>The <paramref name="index"/>th /24 inside this network.</summary>
    public Ipv4Cidr Subnet24(int index) => new(Network + ((uint)index << 8), 24);

    /// <summary>How many /24s fit in this network.</summary>
    public int Subnet24Count => Prefix > 24 ? 0 : 1 << (24 - Prefix);

    /// <summary>The address <paramref name="offset"/> past the network address (1 is the gateway).</summary>
    public uint At(int offset) => Network + (uint)offset;

    /// <summary>
    /// Dotted decimal only (<c>10.42.0.0/16</c>): the parser of <see cref="IPAddress"/> also reads
    /// <c>010.1.0.0</c> as octal, <c>0xa.1.0.0</c> and <c>167772160</c>, which name other networks than they seem to.
    /// </summary>
    public static bool TryParse(string? text, out Ipv4Cidr cidr)
    {
        cidr = default;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash < 0 || !DottedDecimal().IsMatch(text![..slash]) || !PrefixLength().IsMatch(text[(slash + 1)..])
            || !IPAddress.TryParse(text[..slash], out var address) || address.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 32)
        {
            return false;
        }
        var value = ToUInt(address);
        cidr = new Ipv4Cidr(value, prefix);
        return (value & cidr.Mask) == value;
    }

    public static Ipv4Cidr Parse(string text) =>
        TryParse(text, out var cidr) ? cidr : throw new FormatException($"'{text}' is not an IPv4 network such as 10.42.0.0/16");

    /// <summary>An IPv4 address written in full dotted decimal (no "1", no leading zeros read as octal).</summary>
    public static bool IsDottedDecimal(string text) => DottedDecimal().IsMatch(text);

    public static uint ToUInt(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}\z")]
    private static partial System.Text.RegularExpressions.Regex DottedDecimal();

    [System.Text.RegularExpressions.GeneratedRegex(@"^(3[0-2]|[12]?[0-9])\z")]
    private static partial System.Text.RegularExpressions.Regex PrefixLength();

    public static string Format(uint address) => string.Create(CultureInfo.InvariantCulture,
        $"{address >> 24}.{(address >> 16) & 255}.{(address >> 8) & 255}.{address & 255}");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Format(Network)}/{Prefix}");
}
