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
    [property: Limit(253)] string Hostname,
    [property: Limit(64)] string DockerVersion,
    [property: System.ComponentModel.DataAnnotations.Range(1, 4096)] int Cpus,
    [property: System.ComponentModel.DataAnnotations.Range(0, 1L << 50)] long MemoryBytes,
    [property: Limit(256)] string Os,
    [property: Limit(32)] string Architecture)
{
    /// <summary>Labels the host was installed with (<c>--label k=v</c>), used by scheduling rules.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>No longer compared (it hashed things that change on a healthy machine); accepted from older agents.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>The machine's boot id (<c>/proc/sys/kernel/random/boot_id</c>), shown when two machines use one credential.</summary>
    [Limit(64)]
    public string? BootId { get; init; }

    /// <summary>
    /// Random, chosen by each agent process when it starts: a restart brings a new one, while two
    /// machines sharing a credential keep alternating theirs, which is how a clone is told apart.
    /// </summary>
    [Limit(64)]
    public string? Incarnation { get; init; }

    /// <summary>
    /// IPv4 networks the machine already uses (routes, addresses, Docker networks; not the
    /// agent's own bridge and tunnel), so the host's /24 is chosen clear of them.
    /// </summary>
    [Limit(256)]
    public IReadOnlyList<string>? UsedRanges { get; init; }

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
public sealed record HeartbeatResponse(long PlanVersion, SignalChannel Signal)
{
    /// <summary>One of <see cref="HostStandings"/>; null (older control planes) means <see cref="HostStandings.Good"/>.</summary>
    public string? Standing { get; init; }

    /// <summary>Why, when the standing is not good: for the agent's log.</summary>
    public string? Reason { get; init; }
}

/// <summary>What the control plane makes of the machine that sent a heartbeat.</summary>
public static class HostStandings
{
    /// <summary>The host's machine: converge as usual.</summary>
    public const string Good = "good";

    /// <summary>Another machine uses the same credential and was heard first: stop converging and wait for the operator.</summary>
    public const string Suspected = "suspected";

    /// <summary>The operator kept the other machine: forget this identity and register as a new host.</summary>
    public const string RegisterAnew = "registerAnew";
}
