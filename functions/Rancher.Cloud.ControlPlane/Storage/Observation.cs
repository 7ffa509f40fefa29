using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Networking;
using Rancher.Cloud.Domain.Reconcile;

namespace Rancher.Cloud.ControlPlane.Storage;

/// <summary>What an instance's agent last reported of it: one <c>obs~</c> row, typed.</summary>
public sealed record Observation(
    string InstanceId,
    string? HostId,
    string? ServiceId,
    string? State,
    string? ContainerId,
    string? Error,
    string? Health,
    string? HealthOutput,
    DateTimeOffset ObservedAt)
{
    /// <summary>The part service discovery and the service's state read.</summary>
    public ObservedState AsState() => new(State ?? "", Health) { Why = HealthOutput ?? Error };

    /// <summary>The instance as the planner sees it when its check fails, or null.</summary>
    public UnhealthyInstance? AsUnhealthy() =>
        Health == HealthStates.Unhealthy && HostId is { } host ? new UnhealthyInstance(InstanceId, host, ObservedAt) : null;
}
