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

    /// <summary>The host's share of the environment network; null for a host registered before it had one.</summary>
    public PlannedNetwork? Network { get; init; }

    /// <summary>The environment's service discovery names, answered by the agent's DNS responder.</summary>
    public PlannedDns? Dns { get; init; }
}

/// <summary>
/// Names under <see cref="Domain"/> (<c>&lt;environment&gt;.rancher.internal</c>) and the addresses of
/// the healthy, running instances behind each. Containers of stack <c>S</c> search
/// <c>S.&lt;Domain&gt;</c> and then <see cref="Domain"/>, so <c>service</c>, <c>service.stack</c> and the full name all resolve.
/// </summary>
public sealed record PlannedDns(string Domain, IReadOnlyList<PlannedDnsRecord> Records)
{
    /// <summary>The stack of services created on their own.</summary>
    public const string DefaultStack = "default";
}

/// <summary>One name and its addresses (A records), or the name it stands for (a CNAME).</summary>
public sealed record PlannedDnsRecord(string Name, IReadOnlyList<string> Addresses)
{
    public string? Cname { get; init; }
}

/// <summary>
/// The environment network as one host carries it: a Docker bridge network named
/// <see cref="Name"/> on the host's <see cref="Subnet"/>, whose gateway (<c>.1</c>) also answers DNS.
/// </summary>
public sealed record PlannedNetwork(string Name, string EnvironmentCidr, string Subnet, string Gateway, int Mtu)
{
    /// <summary>The environment's other hosts: the tunnel sends each its /24.</summary>
    public IReadOnlyList<PlannedPeer> Peers { get; init; } = [];

    /// <summary>WireGuard over IPv4 adds 60 bytes to each packet: 1500 on the underlay leaves 1440.</summary>
    public const int DefaultMtu = 1420;
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
    string SpecHash)
{
    /// <summary>The stack the service belongs to; relative bind paths live in its folder on the host.</summary>
    public string? Stack { get; init; }

    /// <summary>Replaces the image's entrypoint when set.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<PlannedMount> Mounts { get; init; } = [];

    public PlannedHealthCheck? HealthCheck { get; init; }

    /// <summary>Docker restart policy: no, always, on-failure, unless-stopped.</summary>
    public string Restart { get; init; } = "unless-stopped";

    public string? User { get; init; }

    public string? Hostname { get; init; }

    public IReadOnlyList<string> CapAdd { get; init; } = [];

    public string? StopSignal { get; init; }

    /// <summary>CPU limit in thousandths of a core; 0 is none.</summary>
    public int CpuLimitMillis { get; init; }

    /// <summary>Memory limit in bytes; 0 is none.</summary>
    public long MemoryLimitBytes { get; init; }

    /// <summary>The instance's address on the environment network (from the host's /24).</summary>
    public string? Address { get; init; }

    /// <summary>Access to the host beyond an ordinary container; only where the environment's policy allows it.</summary>
    /// <remarks>Left out when null, so the spec hash of every container that asks for none stays what it was.</remarks>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public HostAccess? HostAccess { get; init; }

    /// <summary>The rest of what <c>docker run</c> can say; null (and left out, so spec hashes stay) when the service says none of it.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public RunOptions? Run { get; init; }

    /// <summary>
    /// With <c>run.networkMode</c> <c>service:x</c>: the instance of x on this host whose network the
    /// container shares (started first; a new container of it means a new one of this too).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? JoinsInstance { get; init; }

    /// <summary>
    /// For an instance of a balancer service: what its HAProxy runs (the agent writes the
    /// configuration and keeps members current). Outside the spec hash: a change of members or
    /// rules changes the running balancer, never makes its container anew.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public PlannedBalancer? Balancer { get; init; }
}

/// <summary>
/// What a container may reach of its host beyond Docker's defaults: all devices and capabilities
/// (<c>privileged</c>), the host's process and IPC namespaces (<c>pid</c>, <c>ipc</c>: <c>host</c>),
/// and device nodes (<c>/dev/fuse</c> or <c>/dev/sda:/dev/xvda:r</c>).
/// </summary>
public sealed record HostAccess(bool Privileged, string? Pid, string? Ipc, IReadOnlyList<string> Devices)
{
    public bool IsNone => !Privileged && Pid is null && Ipc is null && Devices.Count == 0;
}

/// <summary>
/// A mount: <c>volume</c> (a named Docker volume, anonymous when the source is empty),
/// <c>bind</c> (an absolute host path, or a path relative to the stack's folder on the host),
/// <c>tmpfs</c>, or <c>secret</c> (a file in the stack's folder, mounted read-only).
/// </summary>
public sealed record PlannedMount(string Type, string Source, string Target, bool ReadOnly)
{
    /// <summary>Labels a named volume is created with (compose's top-level <c>volumes.&lt;name&gt;.labels</c>); left out when none.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

/// <summary>A health check the agent runs: <c>command</c> (compose's CMD / CMD-SHELL test), <c>http</c> or <c>tcp</c>.</summary>
public sealed record PlannedHealthCheck(
    string Type,
    IReadOnlyList<string> Test,
    int Port,
    string Path,
    int IntervalMs,
    int TimeoutMs,
    int Retries,
    int StartPeriodMs);

/// <summary>A host port published to a container port.</summary>
public sealed record PlannedPort(int Published, int Target, string Protocol);

/// <summary>Another host of the environment, as this host's tunnel sees it.</summary>
public sealed record PlannedPeer(string HostId, string PublicKey, string Endpoint, string Subnet);
