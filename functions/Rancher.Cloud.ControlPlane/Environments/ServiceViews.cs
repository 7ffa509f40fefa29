using System.Text.Json.Serialization;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.Domain.Scheduling;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>
/// A service as the API shows it: its spec's fields (written flat, declared once in
/// <see cref="ServiceSpec"/>), its instances, and why any could not be placed.
/// </summary>
public sealed record ServiceView(
    string Id,
    [property: Flatten("compose")] ServiceSpec Spec,
    int Scale,
    string State,
    IReadOnlyList<InstanceView> Instances,
    PlacementView? Placement,
    DateTimeOffset CreatedAt) : ITagged
{
    [JsonIgnore]
    public string ETag { get; init; } = "";
}

/// <summary>One instance: where it is placed, what its agent last observed, and its health check's verdict.</summary>
public sealed record InstanceView(string Id, int Slot, string HostId, string State, string? ContainerId, string? Error)
{
    /// <summary>starting, healthy or unhealthy; null when the service has no health check.</summary>
    public string? Health { get; init; }

    /// <summary>What the failing check said.</summary>
    public string? HealthOutput { get; init; }

    /// <summary>Its address on the environment network.</summary>
    public string? Address { get; init; }
}

/// <summary>Instances that could not be placed, and each host's reason.</summary>
public sealed record PlacementView(int Unplaced, IReadOnlyList<Rejection> Reasons);
