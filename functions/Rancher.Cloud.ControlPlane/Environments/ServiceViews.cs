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

    /// <summary>The stack it belongs to, if any.</summary>
    public string? Stack { get; init; }

    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<VolumeMount> Volumes { get; init; } = [];

    public HealthCheck? HealthCheck { get; init; }

    public string? Restart { get; init; }

    public string? User { get; init; }

    public string? Hostname { get; init; }

    public IReadOnlyList<string> CapAdd { get; init; } = [];

    public string? StopSignal { get; init; }

    public ResourceLimits Limits { get; init; } = ResourceLimits.None;

    public Contracts.HostAccess? HostAccess { get; init; }

    /// <summary>For an alias: the services its name answers with.</summary>
    public IReadOnlyList<string>? Alias { get; init; }

    /// <summary>For an external service: the addresses or host name its name answers with.</summary>
    public ExternalTarget? External { get; init; }
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
