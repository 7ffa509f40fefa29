namespace Rancher.Cloud.Domain.Services;

/// <summary>Hard per-instance limits enforced by Docker: CPU in thousandths of a core, memory in bytes.</summary>
public sealed record ResourceLimits(int CpuMillis, long MemoryBytes)
{
    public static ResourceLimits None { get; } = new(0, 0);
}

/// <summary>
/// What a compose file said about a service that only the stack needs: how its image is built,
/// the ports it exposes to its network, the networks it joins and what it depends on. Kept so
/// the stack exports as it was imported.
/// </summary>
public sealed record ComposeDetails
{
    public BuildSource? Build { get; init; }
    public IReadOnlyList<string> Expose { get; init; } = [];
    public IReadOnlyList<string> Networks { get; init; } = [];
    public IReadOnlyList<Dependency> DependsOn { get; init; } = [];
}

/// <summary>compose's <c>build</c>: the platform does not build, but keeps it for export.</summary>
public sealed record BuildSource(string Context, string? Dockerfile, string? Target);

/// <summary>compose's <c>depends_on</c> entry.</summary>
public sealed record Dependency(string Service, string Condition);

/// <summary>Where an external service's name points: fixed addresses, or another host name (CNAME).</summary>
public sealed record ExternalTarget(IReadOnlyList<string> Addresses, string? Hostname)
{
    /// <summary>The image names Rancher 1.6 gave these kinds of service in compose files.</summary>
    public const string ExternalImage = "rancher/external-service";
    public const string AliasImage = "rancher/dns-service";
}
