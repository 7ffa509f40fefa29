namespace Rancher.Cloud.Domain.Services;

/// <summary>
/// One placed copy of a service. <see cref="Slot"/> numbers a service's instances from 1 to
/// its scale; at most one instance exists per slot row, which is what keeps two reconcilers from
/// creating duplicates (an upgrade's replacement takes the slot's twin row: <see cref="Slots"/>).
/// </summary>
public sealed record Instance(string Id, string ServiceId, int Slot, string HostId)
{
    /// <summary>Its address on the environment network, from its host's /24; kept for the instance's life.</summary>
    public string? Address { get; init; }

    /// <summary>The launch configuration version it runs (<see cref="LaunchVersion"/>); null when placed before versions were kept.</summary>
    public string? Version { get; init; }

    /// <summary>
    /// When it left rotation: no DNS answer or balancer sends it new work, and it is removed once
    /// what it was serving has had its drain time to finish. Null while it serves.
    /// </summary>
    public DateTimeOffset? RetiringSince { get; init; }
}
