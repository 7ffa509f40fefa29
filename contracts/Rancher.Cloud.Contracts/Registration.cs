namespace Rancher.Cloud.Contracts;

/// <summary>Sent once by a new agent, with the registration token it was installed with.</summary>
public sealed record RegistrationRequest(string Token, HostFacts Facts)
{
    /// <summary>
    /// Chosen by the agent and kept before it first registers: a retry after a lost answer
    /// registers the same host again instead of a second one.
    /// </summary>
    public string? RegistrationId { get; init; }
}

/// <summary>What the agent knows about its host and reports at registration and heartbeat.</summary>
public sealed record HostFacts(
    string Hostname,
    string DockerVersion,
    int Cpus,
    long MemoryBytes,
    string Os,
    string Architecture)
{
    /// <summary>Labels the host was installed with (<c>--label k=v</c>), used by scheduling rules.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>
    /// Identifies the machine (machine id and Docker engine id, hashed): a credential copied to
    /// another machine shows up with a different fingerprint and is refused.
    /// </summary>
    public string? Fingerprint { get; init; }

    /// <summary>The host's WireGuard public key; its private key never leaves the host.</summary>
    public string? WireGuardPublicKey { get; init; }

    /// <summary>Where other hosts reach its tunnel: <c>address:port</c> (<c>--advertise-address</c> to override).</summary>
    public string? Endpoint { get; init; }
}

/// <summary>
/// The host's identity and its credential. The credential is shown only here; the
/// control plane keeps only its hash.
/// </summary>
public sealed record RegistrationResponse(
    string HostId,
    string EnvironmentId,
    string Credential,
    SignalChannel Signal);

/// <summary>Periodic liveness and facts from an agent.</summary>
public sealed record Heartbeat(HostFacts Facts, long AppliedPlanVersion);

/// <summary>The control plane's answer to a heartbeat: the newest plan version and a fresh signal channel.</summary>
public sealed record HeartbeatResponse(long PlanVersion, SignalChannel Signal);
