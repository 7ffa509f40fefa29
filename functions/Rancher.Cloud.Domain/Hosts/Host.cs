using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Domain.Hosts;

/// <summary>A Docker host registered to an environment, as its agent last described it.</summary>
public sealed record Host(string Id, HostFacts Facts, DateTimeOffset RegisteredAt, DateTimeOffset LastSeen);

/// <summary>What the platform can do with a host right now.</summary>
public enum HostState
{
    /// <summary>Heartbeating; takes new placements.</summary>
    Active,

    /// <summary>Silent for longer than <see cref="HostLiveness.Timeout"/>.</summary>
    Disconnected,
}

/// <summary>Derives a host's state from its last heartbeat.</summary>
public static class HostLiveness
{
    /// <summary>A host silent for longer than this is disconnected (three missed 15 s heartbeats).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    public static HostState StateOf(Host host, DateTimeOffset now) =>
        now - host.LastSeen > Timeout ? HostState.Disconnected : HostState.Active;
}
