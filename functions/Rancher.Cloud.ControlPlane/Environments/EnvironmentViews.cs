using Rancher.Cloud.Domain.Hosts;
namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>Request body of POST /environments.</summary>
/// <param name="Name">The environment's name, a DNS label.</param>
/// <param name="Cidr">The environment network (default 10.42.0.0/16); each host takes a /24 of it.</param>
public sealed record CreateEnvironmentRequest([property: Rancher.Cloud.Contracts.Limit(63)] string? Name, [property: Rancher.Cloud.Contracts.Limit(18)] string? Cidr = null);

/// <summary>What an owner may change of an environment; a field left out stays as it is.</summary>
/// <param name="Policy">Its host-access policy: <c>baseline</c> or <c>privileged</c>.</param>
/// <param name="BalancerImage">The image its balancers run (any with HAProxy 2.6 or later); empty for the operator's default. Running balancers are made anew with it.</param>
public sealed record UpdateEnvironmentRequest(string? Policy, [property: Rancher.Cloud.Contracts.Limit(Rancher.Cloud.Domain.Services.ImageReference.MaxLength)] string? BalancerImage = null);

/// <summary>An environment as the API shows it.</summary>
public sealed record EnvironmentView(string Id, string Name, DateTimeOffset CreatedAt)
{
    /// <summary>The host-access policy its services meet: <c>baseline</c> (the default) or <c>privileged</c>.</summary>
    public string Policy { get; init; } = "baseline";

    /// <summary>The environment network; each host has a /24 of it.</summary>
    public string? Cidr { get; init; }

    /// <summary>The image its balancers run, when it has its own; null runs the operator's default.</summary>
    public string? BalancerImage { get; init; }
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

    /// <summary>How each of its agent's concerns (network, containers, health checks) stood at its last report.</summary>
    public IReadOnlyList<Contracts.HostCondition>? Conditions { get; init; }

    /// <summary>The host's /24 of the environment network.</summary>
    public string? Subnet { get; init; }

    /// <summary>
    /// While two machines use the host's credential (state <c>conflict</c>): both, the one heard
    /// first first. <c>POST …/resolveConflict {keep}</c> keeps one; the other registers anew.
    /// </summary>
    public IReadOnlyList<Machine>? Conflict { get; init; }

    /// <summary>Why the host's /24 collides with what its machine uses (state <c>conflict</c>): it takes no new instances until that is cleared.</summary>
    public string? AddressConflict { get; init; }
}

/// <summary>Which machine of a conflict goes on as the host: its <c>incarnation</c>.</summary>
public sealed record ResolveConflictRequest(string? Keep);

/// <summary>A page of results.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items)
{
    /// <summary>The cursor of the next page; absent on the last.</summary>
    public string? Next { get; init; }
}
