using System.Globalization;
using System.Net;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Networking;

/// <summary>What an agent says about its tunnel: a WireGuard public key (32 bytes, base64) and an IPv4 <c>address:port</c>.</summary>
public static class TunnelFacts
{
    public static void Check(HostFacts facts, string field, FieldErrors errors)
    {
        if (facts.WireGuardPublicKey is { } key && !IsKey(key))
        {
            errors.Add($"{field}.wireGuardPublicKey", "must be a WireGuard public key (32 bytes, base64)");
        }
        if (facts.Endpoint is { } endpoint && !IsEndpoint(endpoint))
        {
            errors.Add($"{field}.endpoint", "must be an IPv4 address and port, such as 192.0.2.10:51820");
        }
    }

    private static bool IsKey(string key)
    {
        var bytes = new byte[33];
        return key.Length == 44 && Convert.TryFromBase64String(key, bytes, out var written) && written == 32;
    }

    private static bool IsEndpoint(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return colon > 0
            && IPAddress.TryParse(endpoint[..colon], out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535;
    }
}
