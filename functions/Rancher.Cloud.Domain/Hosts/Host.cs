using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Domain.Hosts;

/// <summary>
/// A Docker host registered to an environment, as its agent last described it, and what the
/// operator decided about it: <see cref="Mode"/>.
/// </summary>
public sealed record Host(string Id, HostFacts Facts, DateTimeOffset RegisteredAt, DateTimeOffset LastSeen, HostMode Mode = HostMode.Active)
{
    /// <summary>Whether its instances must move elsewhere (evacuated or removed).</summary>
    public bool Displaces => Mode is HostMode.Evacuated or HostMode.Removed;

    /// <summary>The host's /24 of the environment network, given at registration; its instances take addresses from it.</summary>
    public string? Subnet { get; init; }

    /// <summary>The named volumes its agent last reported: a one-instance service's volume keeps its instance here.</summary>
    public IReadOnlySet<string> Volumes { get; init; } = new HashSet<string>(StringComparer.Ordinal);
}

/// <summary>What the operator asked of a host; liveness comes on top (<see cref="HostLiveness"/>).</summary>
public enum HostMode
{
    /// <summary>Takes new placements.</summary>
    Active,

    /// <summary>Deactivated: keeps what runs there, takes nothing new.</summary>
    Inactive,

    /// <summary>Deactivated and emptied: its instances are placed elsewhere.</summary>
    Evacuated,

    /// <summary>Removed: its credential no longer works; listed until it is purged.</summary>
    Removed,
}

/// <summary>What the platform can do with a host right now.</summary>
public enum HostState
{
    /// <summary>Heartbeating; takes new placements.</summary>
    Active,

    /// <summary>Silent for longer than <see cref="HostLiveness.Timeout"/>.</summary>
    Disconnected,

    /// <summary>Deactivated (or evacuated) by the operator: no new placements.</summary>
    Inactive,

    /// <summary>Removed from the environment.</summary>
    Removed,
}

/// <summary>Derives a host's state from its last heartbeat.</summary>
public static class HostLiveness
{
    /// <summary>A host silent for longer than this is disconnected (three missed 15 s heartbeats).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    public static HostState StateOf(Host host, DateTimeOffset now) => host.Mode switch
    {
        HostMode.Removed => HostState.Removed,
        HostMode.Inactive or HostMode.Evacuated => HostState.Inactive,
        _ => now - host.LastSeen > Timeout ? HostState.Disconnected : HostState.Active,
    };
}
