namespace Rancher.Cloud.Contracts;

/// <summary>Sent once by a new agent, with the registration token it was installed with.</summary>
public sealed record RegistrationRequest(string Token, HostFacts Facts);

/// <summary>What the agent knows about its host and reports at registration and heartbeat.</summary>
public sealed record HostFacts(
    string Hostname,
    string DockerVersion,
    int Cpus,
    long MemoryBytes,
    string Os,
    string Architecture);

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
