namespace Rancher.Cloud.Domain.Services;

/// <summary>
/// A container's network besides the environment's: the host's own stack, none, or the network
/// of another service's instance on the same host (<c>service:name</c>, <c>service:stack/name</c>;
/// compose's sidecar pattern, Docker's <c>container:</c> mode).
/// </summary>
public static class NetworkModes
{
    public const string Host = "host";

    public const string None = "none";

    public const string ServicePrefix = "service:";

    /// <summary>The service whose network <paramref name="mode"/> joins, as affinity rules name it; null for other modes.</summary>
    public static string? JoinedService(string? mode) =>
        mode is not null && mode.StartsWith(ServicePrefix, StringComparison.Ordinal) ? mode[ServicePrefix.Length..] : null;

    /// <summary>The service whose network <paramref name="spec"/>'s containers join, or null.</summary>
    public static string? JoinedService(ServiceSpec spec) => JoinedService(spec.Run?.NetworkMode);

    /// <summary>
    /// Why the service <paramref name="joined"/> (named <paramref name="name"/>) has no network to
    /// join, or null: Docker joins a container to one with a network of its own, and an alias or
    /// external service runs no container at all. Services are created one at a time, so a chain or
    /// a cycle can only show when they are placed.
    /// </summary>
    public static string? CannotJoin(string name, ServiceSpec joined) =>
        JoinedService(joined) is not null ? $"'{name}' itself shares another service's network; join that service instead"
        : joined.Alias is not null || joined.External is not null ? $"'{name}' runs no containers (an alias or external service)"
        : null;
}
