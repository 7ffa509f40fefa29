namespace Rancher.Cloud.Contracts;

/// <summary>What the agent observed on its host after converging to <see cref="PlanVersion"/>.</summary>
public sealed record HostReport(long PlanVersion, IReadOnlyList<ObservedContainer> Containers)
{
    /// <summary>How each of the agent's concerns (network, containers, health checks) stands after the pass; absent from older agents.</summary>
    [Limit(HostCondition.MaxConditions)]
    public IReadOnlyList<HostCondition>? Conditions { get; init; }

    /// <summary>The host's named volumes and their sizes; absent from older agents, and between the agent's measurements.</summary>
    [Limit(ObservedVolume.MaxVolumes)]
    public IReadOnlyList<ObservedVolume>? Volumes { get; init; }
}

/// <summary>How one concern of the agent stands on its host: ready, or what stops it.</summary>
/// <param name="Concern">One of <see cref="HostConcerns"/>.</param>
/// <param name="Ready">Whether the concern is converged to the plan.</param>
/// <param name="Error">What is wrong, when not ready (or what was retried).</param>
public sealed record HostCondition([property: Limit(32)] string Concern, bool Ready, [property: Limit(HostCondition.MaxErrorLength)] string? Error)
{
    public const int MaxConditions = 16;

    public const int MaxErrorLength = 1000;
}

/// <summary>The concerns an agent converges, in the order it runs them.</summary>
public static class HostConcerns
{
    /// <summary>The host's part of the environment network: bridge, DNS responder, tunnel.</summary>
    public const string Network = "network";

    /// <summary>The configuration and members of the host's balancer instances.</summary>
    public const string Balancers = "balancers";

    /// <summary>The planned containers.</summary>
    public const string Containers = "containers";

    /// <summary>The planned health checks.</summary>
    public const string Health = "health";
}

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
