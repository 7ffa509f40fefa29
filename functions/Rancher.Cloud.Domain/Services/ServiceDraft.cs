using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Scheduling;

namespace Rancher.Cloud.Domain.Services;

/// <summary>
/// What a service's containers run with, as a user asked for it: the fields a new service gives
/// and a change may replace (any of them changing starts a rolling upgrade). Every field may be missing.
/// </summary>
public abstract record LaunchDraft
{
    [Limit(ImageReference.MaxLength)]
    public string? Image { get; init; }
    [Limit(Bounds.MaxArguments)]
    public IReadOnlyList<string?>? Command { get; init; }
    [Limit(ServiceSpec.MaxVariables)]
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }
    [Limit(Bounds.MaxItems)]
    public IReadOnlyList<PortDraft?>? Ports { get; init; }
    [Limit(Bounds.MaxArguments)]
    public IReadOnlyList<string?>? Entrypoint { get; init; }
    [Limit(ContainerLabels.MaxLabels)]
    public IReadOnlyDictionary<string, string?>? Labels { get; init; }
    [Limit(Bounds.MaxItems)]
    public IReadOnlyList<VolumeDraft?>? Volumes { get; init; }
    public HealthCheckDraft? HealthCheck { get; init; }

    /// <summary><c>no</c>, <c>always</c>, <c>on-failure</c> or <c>unless-stopped</c> (the default).</summary>
    public string? Restart { get; init; }
    [Limit(256)]
    public string? User { get; init; }
    [Limit(63)]
    public string? Hostname { get; init; }
    [Limit(16)]
    public string? StopSignal { get; init; }
    public LimitsDraft? Limits { get; init; }

    /// <summary>The rest of what <c>docker run</c> can say (tty, sysctls, ulimits, tmpfs, DNS, logging…).</summary>
    public RunOptionsDraft? Run { get; init; }
}

/// <summary>A service as a user asked for it, before validation. Every field may be missing.</summary>
public sealed record ServiceDraft : LaunchDraft
{
    [Limit(63)]
    public string? Name { get; init; }
    public int? Scale { get; init; }
    public SchedulingDraft? Scheduling { get; init; }
    [Limit(Bounds.MaxArguments)]
    public IReadOnlyList<string?>? CapAdd { get; init; }

    /// <summary>Privileged mode, host namespaces, devices: allowed only by a <c>privileged</c> environment.</summary>
    public HostAccessDraft? HostAccess { get; init; }

    /// <summary>An alias: a DNS name answering with these services' instances (Rancher's dns-service).</summary>
    [Limit(Bounds.MaxItems)]
    public IReadOnlyList<string?>? Alias { get; init; }

    /// <summary>An external service: a DNS name for addresses or a host name outside the platform.</summary>
    public ExternalDraft? External { get; init; }

    /// <summary>A balancer: HAProxy instances that spread their port rules' traffic over the target services' instances.</summary>
    public Balancing.BalancerDraft? LoadBalancer { get; init; }

    /// <summary>How the service upgrades when its launch configuration changes; the defaults when missing.</summary>
    public Upgrades.UpgradePolicyDraft? UpgradePolicy { get; init; }
}

/// <summary>Fixed IPv4 addresses, or a host name answered as a CNAME.</summary>
public sealed record ExternalDraft(IReadOnlyList<string?>? Addresses, string? Hostname);

/// <summary>A mount as a user asked for it: <c>type</c> is volume (default), bind, tmpfs or secret.</summary>
public sealed record VolumeDraft(string? Type, string? Source, string? Target, bool? ReadOnly)
{
    /// <summary>Labels a named volume is created with on each host (a volume that exists keeps its own).</summary>
    public IReadOnlyDictionary<string, string?>? Labels { get; init; }
}

/// <summary>A health check as asked; durations are compose strings (<c>10s</c>).</summary>
public sealed record HealthCheckDraft
{
    public string? Type { get; init; }
    public IReadOnlyList<string?>? Test { get; init; }
    public int? Port { get; init; }
    public string? Path { get; init; }
    public string? Interval { get; init; }
    public string? Timeout { get; init; }
    public int? Retries { get; init; }
    public string? StartPeriod { get; init; }
}

/// <summary>Hard limits per instance, as asked: cores (fractions allowed) and bytes.</summary>
public sealed record LimitsDraft(double? Cpus, long? MemoryBytes);

/// <summary>A published port as a user asked for it.</summary>
public sealed record PortDraft
{
    public int? Published { get; init; }
    public int? Target { get; init; }
    public string? Protocol { get; init; }
}

/// <summary>
/// The changes a PATCH may ask for. A launch field given replaces the service's whole (an
/// environment given is the whole environment); changing any of them starts a rolling upgrade.
/// </summary>
public sealed record ServicePatch : LaunchDraft
{
    public int? Scale { get; init; }

    /// <summary>A balancer's new rules and settings, whole; its instances change them without being made anew.</summary>
    public Balancing.BalancerDraft? LoadBalancer { get; init; }

    /// <summary>How this service upgrades from now on (and this change, when it starts one).</summary>
    public Upgrades.UpgradePolicyDraft? UpgradePolicy { get; init; }

    /// <summary>Whether the patch gives any launch field: what an instance runs with.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool ChangesLaunch => LaunchFields.Count > 0;

    /// <summary>The launch fields the patch gives, by their API names.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> LaunchFields => new (string Name, object? Value)[]
    {
        ("image", Image), ("command", Command), ("entrypoint", Entrypoint), ("environment", Environment), ("ports", Ports),
        ("labels", Labels), ("volumes", Volumes), ("healthCheck", HealthCheck), ("restart", Restart), ("user", User),
        ("hostname", Hostname), ("stopSignal", StopSignal), ("limits", Limits), ("run", Run),
    }.Where(f => f.Value is not null).Select(f => f.Name).ToList();
}
