namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>Request body of POST /environments.</summary>
/// <param name="Name">The environment's name, a DNS label.</param>
/// <param name="Cidr">The environment network (default 10.42.0.0/16); each host takes a /24 of it.</param>
public sealed record CreateEnvironmentRequest(string? Name, string? Cidr = null);

/// <summary>An environment as the API shows it.</summary>
public sealed record EnvironmentView(string Id, string Name, DateTimeOffset CreatedAt)
{
    /// <summary>The environment network; each host has a /24 of it.</summary>
    public string? Cidr { get; init; }
}

/// <summary>A registration token as shown once, at creation, with the agent install one-liner.</summary>
public sealed record RegistrationTokenCreated(string Id, string Token, string Command, string EnvironmentId, DateTimeOffset CreatedAt);

/// <summary>A registration token as listed: never its secret.</summary>
public sealed record RegistrationTokenView(string Id, string EnvironmentId, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

/// <summary>A host as the API shows it.</summary>
public sealed record HostDetails(
    string Id,
    string Hostname,
    string State,
    string DockerVersion,
    int Cpus,
    long MemoryBytes,
    string Os,
    string Architecture,
    DateTimeOffset RegisteredAt,
    DateTimeOffset LastSeen,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>Inactive and emptied by an evacuation.</summary>
    public bool Evacuated { get; init; }

    /// <summary>The host's /24 of the environment network.</summary>
    public string? Subnet { get; init; }
}

/// <summary>A page of results.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items)
{
    /// <summary>The cursor of the next page; absent on the last.</summary>
    public string? Next { get; init; }
}
