using System.Net;
using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Networking;

/// <summary>
/// Instance addresses in use on each host during one reconcile step. A host's are read only when
/// it gets a new instance, so a step that places nothing parses no addresses.
/// </summary>
public sealed class HostAddresses(ILookup<string, Instance> liveByHost)
{
    private readonly Dictionary<string, HashSet<uint>> taken = new(StringComparer.Ordinal);

    /// <summary>The lowest free address of the host's /24 for a new instance; null when the host has no /24 (or it is full).</summary>
    public string? Assign(Host host)
    {
        if (host.Subnet is not { } subnet)
        {
            return null;
        }
        if (!taken.TryGetValue(host.Id, out var set))
        {
            set = liveByHost[host.Id].Where(i => i.Address is not null).Select(i => Ipv4Cidr.ToUInt(IPAddress.Parse(i.Address!))).ToHashSet();
            taken[host.Id] = set;
        }
        if (EnvironmentNetwork.NextInstanceAddress(Ipv4Cidr.Parse(subnet), set) is not { } free)
        {
            return null;
        }
        set.Add(free);
        return Ipv4Cidr.Format(free);
    }
}
