namespace Rancher.Cloud.Contracts;

/// <summary>
/// What else <c>docker run</c> can say of a container, as compose files say it and Rancher 1.6
/// passed it on: its process (tty, stdin, init, working directory, groups), its files (read-only
/// root, tmpfs, shared memory), names (extra hosts, DNS, domain), kernel settings (sysctls,
/// ulimits, security options, OOM score), CPU and memory weights, and its log driver. Validated by
/// the control plane; what reaches into the host is the environment's policy's to allow.
/// </summary>
/// <remarks>Values that say Docker's default are left out of the JSON, so an option added later leaves the spec hash of every container that does not use it as it was.</remarks>
public sealed record RunOptions
{
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public string? WorkingDir { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool Tty { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool StdinOpen { get; init; }

    /// <summary>Run an init process as PID 1; null leaves Docker's default.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool? Init { get; init; }

    /// <summary>The container's root file system is read-only.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool ReadOnly { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public string? Domainname { get; init; }

    /// <summary><c>name:address</c> lines added to the container's <c>/etc/hosts</c>.</summary>
    public IReadOnlyList<string> ExtraHosts { get; init; } = [];

    /// <summary>Name servers asked after the environment's own responder.</summary>
    public IReadOnlyList<string> Dns { get; init; } = [];

    /// <summary>Search domains tried after the stack's and the environment's.</summary>
    public IReadOnlyList<string> DnsSearch { get; init; } = [];

    /// <summary>resolv.conf options (<c>timeout:1</c>, <c>rotate</c>).</summary>
    public IReadOnlyList<string> DnsOptions { get; init; } = [];

    /// <summary>Kernel parameters of the container's namespaces (<c>net.core.somaxconn</c>).</summary>
    public IReadOnlyDictionary<string, string> Sysctls { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<Ulimit> Ulimits { get; init; } = [];

    /// <summary>tmpfs mounts: path to mount options (<c>size=64m,mode=1777</c>; empty for none).</summary>
    public IReadOnlyDictionary<string, string> Tmpfs { get; init; } = new Dictionary<string, string>();

    /// <summary>Size of <c>/dev/shm</c> in bytes; 0 is Docker's default.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public long ShmSizeBytes { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public LogConfig? Logging { get; init; }

    /// <summary><c>no-new-privileges</c>, <c>seccomp=…</c>, <c>apparmor=…</c>, <c>label=…</c>.</summary>
    public IReadOnlyList<string> SecurityOpt { get; init; } = [];

    /// <summary>Relative CPU weight (Docker's default is 1024); 0 is the default.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public int CpuShares { get; init; }

    /// <summary>CPUs the container may run on (<c>0-3</c>, <c>0,2</c>).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public string? Cpuset { get; init; }

    /// <summary>Soft memory limit in bytes; 0 is none.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public long MemoryReservationBytes { get; init; }

    /// <summary>-1000 (never killed first) to 1000 (killed first) when the host runs out of memory; null is Docker's default.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public int? OomScoreAdj { get; init; }

    /// <summary>Supplementary groups of the container's process (names or ids).</summary>
    public IReadOnlyList<string> GroupAdd { get; init; } = [];

    /// <summary>
    /// <c>host</c> (the host's network stack), <c>none</c> (no network) or <c>service:name</c> (the
    /// network of an instance of that service on the same host; <c>stack/name</c> in a stack); null
    /// is the environment's network.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public string? NetworkMode { get; init; }

    /// <summary><c>always</c> pulls the image for every new container; <c>never</c> uses only what the host has; null pulls when missing.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public string? PullPolicy { get; init; }
}

/// <summary>A resource limit of the container's processes (<c>nofile</c>, <c>nproc</c>…); -1 is unlimited.</summary>
public sealed record Ulimit(string Name, long Soft, long Hard);

/// <summary>Docker's log driver for the container and its options.</summary>
public sealed record LogConfig(string Driver, IReadOnlyDictionary<string, string> Options);
