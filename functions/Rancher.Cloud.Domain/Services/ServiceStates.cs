using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Networking;

namespace Rancher.Cloud.Domain.Services;

/// <summary>How a service and a stack stand, from what was placed and what agents observed.</summary>
public static class ServiceStates
{
    /// <summary>Every instance is placed, running, and healthy when the service has a check.</summary>
    public const string Active = "active";

    /// <summary>Some instance could not be placed; the service's placement says why.</summary>
    public const string Degraded = "degraded";

    /// <summary>On its way: placed, but not every instance is running (and healthy) yet.</summary>
    public const string Activating = "activating";

    /// <param name="spec">The service's spec (its health check decides what running means).</param>
    /// <param name="scale">The instances the service should have.</param>
    /// <param name="unplaced">Instances the scheduler could not place.</param>
    /// <param name="instances">What was observed of each placed instance; null for one not yet reported.</param>
    public static string Of(ServiceSpec spec, int scale, int unplaced, IReadOnlyCollection<ObservedState?> instances) =>
        unplaced > 0 ? Degraded
        : instances.Count == scale && instances.All(i => i is { State: ContainerStates.Running } && (spec.HealthCheck is null || i.Health == HealthStates.Healthy)) ? Active
        : Activating;

    /// <summary>A stack is degraded when any service is, active when all are.</summary>
    public static string OfStack(IEnumerable<string> services)
    {
        var states = services.ToList();
        return states.Contains(Degraded) ? Degraded : states.All(s => s == Active) ? Active : Activating;
    }
}
