namespace Rancher.Cloud.Contracts;

/// <summary>What the agent observed on its host after converging to <see cref="PlanVersion"/>.</summary>
public sealed record HostReport(long PlanVersion, IReadOnlyList<ObservedContainer> Containers);

/// <summary>The observed state of one planned instance's container.</summary>
/// <param name="InstanceId">The instance the container belongs to.</param>
/// <param name="ContainerId">Docker's id for the container, when one exists.</param>
/// <param name="State">One of <see cref="ContainerStates"/>.</param>
/// <param name="Error">Why the container is not running, when the agent knows.</param>
public sealed record ObservedContainer(string InstanceId, string? ContainerId, string State, string? Error)
{
    /// <summary>One of <see cref="HealthStates"/>; null when the service has no health check.</summary>
    public string? Health { get; init; }

    /// <summary>The last failing check's output, trimmed, when unhealthy.</summary>
    public string? HealthOutput { get; init; }
}

/// <summary>What an instance's health check says.</summary>
public static class HealthStates
{
    /// <summary>Within its start period, or not yet checked.</summary>
    public const string Starting = "starting";
    public const string Healthy = "healthy";

    /// <summary>Failed its check <c>retries</c> times in a row.</summary>
    public const string Unhealthy = "unhealthy";
}

/// <summary>The states an agent reports for an instance's container.</summary>
public static class ContainerStates
{
    public const string Running = "running";
    public const string Starting = "starting";
    public const string Stopped = "stopped";
    public const string Error = "error";
}
