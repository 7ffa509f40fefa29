namespace Rancher.Cloud.Domain.Services;

/// <summary>
/// One placed copy of a service. <see cref="Slot"/> numbers a service's instances from 1 to
/// its scale; at most one instance exists per slot, which is what keeps two reconcilers from
/// creating duplicates.
/// </summary>
public sealed record Instance(string Id, string ServiceId, int Slot, string HostId)
{
    /// <summary>Its address on the environment network, from its host's /24; kept for the instance's life.</summary>
    public string? Address { get; init; }
}
