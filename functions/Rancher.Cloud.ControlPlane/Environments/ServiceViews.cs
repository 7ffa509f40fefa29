using System.Text.Json.Serialization;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.Domain.Scheduling;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>A service as the API shows it: its spec, its instances, and why any could not be placed.</summary>
public sealed record ServiceView(
    string Id,
    string Name,
    string Image,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<PortMapping> Ports,
    int Scale,
    string State,
    IReadOnlyList<InstanceView> Instances,
    PlacementView? Placement,
    DateTimeOffset CreatedAt) : ITagged
{
    [JsonIgnore]
    public string ETag { get; init; } = "";

    /// <summary>The placement rules the service was created with.</summary>
    public SchedulingRules Scheduling { get; init; } = SchedulingRules.None;
}

/// <summary>One instance: where it is placed and what its agent last observed.</summary>
public sealed record InstanceView(string Id, int Slot, string HostId, string State, string? ContainerId, string? Error);

/// <summary>Instances that could not be placed, and each host's reason.</summary>
public sealed record PlacementView(int Unplaced, IReadOnlyList<Rejection> Reasons);
