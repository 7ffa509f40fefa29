namespace Rancher.Cloud.Contracts;

/// <summary>
/// Everything one host should be running, as computed by the control plane. The agent
/// converges Docker to the newest plan it has fetched; <see cref="Version"/> only grows.
/// </summary>
public sealed record HostPlan(
    string HostId,
    long Version,
    IReadOnlyList<PlannedContainer> Containers)
{
    /// <summary>Wire schema of this record; agents ignore fields they do not know.</summary>
    public int Schema { get; init; } = 1;
}

/// <summary>One container the host must run, tied to its instance by id.</summary>
public sealed record PlannedContainer(
    string InstanceId,
    string ServiceId,
    string ServiceName,
    string Image,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<PlannedPort> Ports,
    string SpecHash);

/// <summary>A host port published to a container port.</summary>
public sealed record PlannedPort(int Published, int Target, string Protocol);
