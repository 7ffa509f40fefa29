using System.Text.Json.Serialization;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Scheduling;

namespace Rancher.Cloud.Domain.Services;

/// <summary>A validated service definition: what each of its instances runs.</summary>
public sealed record ServiceSpec(
    string Name,
    string Image,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<PortMapping> Ports)
{
    public const int MaxScale = 500;

    /// <summary>Variables of one service's environment.</summary>
    public const int MaxVariables = 500;

    /// <summary>
    /// Characters of the whole service as stored: one Table Storage string property holds 32K
    /// characters; the rest is headroom for what the platform adds.
    /// </summary>
    public const int MaxStoredLength = 30_000;

    /// <summary>Placement rules; none unless the service asks.</summary>
    public SchedulingRules Scheduling { get; init; } = SchedulingRules.None;

    /// <summary>The stack the service belongs to; null for a service created on its own.</summary>
    public string? Stack { get; init; }

    /// <summary>The image's entrypoint is replaced when set.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    public IReadOnlyList<VolumeMount> Volumes { get; init; } = [];

    public HealthCheck? HealthCheck { get; init; }

    /// <summary>Docker's restart policy for the container; null is <c>unless-stopped</c>.</summary>
    public string? Restart { get; init; }

    public string? User { get; init; }

    public string? Hostname { get; init; }

    public IReadOnlyList<string> CapAdd { get; init; } = [];

    public string? StopSignal { get; init; }

    public ResourceLimits Limits { get; init; } = ResourceLimits.None;

    /// <summary>Access to the host beyond an ordinary container; null for none. The environment's policy decides whether it may run.</summary>
    public Contracts.HostAccess? HostAccess { get; init; }

    /// <summary>The rest of what <c>docker run</c> can say; null for none of it.</summary>
    public Contracts.RunOptions? Run { get; init; }

    /// <summary>An alias answers DNS with these services' instances (names as in affinity rules); it runs nothing.</summary>
    public IReadOnlyList<string>? Alias { get; init; }

    /// <summary>An external service answers DNS with addresses or a host name outside the platform; it runs nothing.</summary>
    public ExternalTarget? External { get; init; }

    /// <summary>For a balancer service: its port rules and how it serves them; null for any other service.</summary>
    public Balancing.Balancer? Balancer { get; init; }

    /// <summary>Compose-only details kept for export; null for a service created on its own.</summary>
    public ComposeDetails? Compose { get; init; }

    /// <summary>How affinity rules name this service: <c>stack/service</c>, or the name alone outside a stack.</summary>
    [JsonIgnore]
    public string QualifiedName => Stack is null ? Name : $"{Stack}/{Name}";

    /// <summary>
    /// The service this one names as <paramref name="target"/> (an alias's targets, a balancer's
    /// rules): <c>stack/service</c> as given, a name alone in this service's own stack.
    /// </summary>
    public string Resolve(string target) =>
        target.Contains('/', StringComparison.Ordinal) || Stack is null ? target : $"{Stack}/{target}";

    /// <summary>Validates a draft, naming every refused field; nothing partial is returned.</summary>
    public static Outcome<(ServiceSpec Spec, int Scale)> From(ServiceDraft draft)
    {
        var errors = new FieldErrors();
        var name = ResourceName.Check(draft.Name, "name", errors);
        var pointer = draft.Alias is not null || draft.External is not null;
        // An alias or external service runs nothing: its image only names its kind, as in Rancher 1.6.
        var balancer = draft.LoadBalancer is { } asked ? Balancing.BalancerDraft.Check(asked, "loadBalancer", errors) : null;
        var image = pointer
            ? draft.Image ?? (draft.Alias is not null ? ExternalTarget.AliasImage : ExternalTarget.ExternalImage)
            : draft.LoadBalancer is not null ? draft.Image ?? Balancing.BalancerService.Marker
            : ImageReference.Check(draft.Image, "image", errors);
        var command = Arguments.Check(draft.Command, "command", errors);
        var environment = CheckEnvironment(draft.Environment, errors);
        var ports = PortMapping.CheckAll(draft.Ports, errors);
        var scale = pointer ? 0 : CheckScale(draft.Scale ?? 1, "scale", errors);
        var scheduling = SchedulingDraft.Check(draft.Scheduling, "scheduling", errors);
        var spec = new ServiceSpec(name!, image!, command, environment, ports)
        {
            Scheduling = scheduling,
            Entrypoint = draft.Entrypoint is null ? null : Arguments.Check(draft.Entrypoint, "entrypoint", errors),
            Labels = ContainerLabels.Check(draft.Labels, "labels", errors),
            Volumes = VolumeMount.CheckAll(draft.Volumes, "volumes", errors),
            HealthCheck = HealthCheck.Check(draft.HealthCheck, "healthCheck", errors),
            Restart = CheckRestart(draft.Restart, errors),
            User = Optional(draft.User, "user", 256, errors),
            Hostname = Optional(draft.Hostname, "hostname", 63, errors),
            CapAdd = Arguments.Check(draft.CapAdd, "capAdd", errors),
            StopSignal = Optional(draft.StopSignal, "stopSignal", 16, errors),
            Limits = CheckLimits(draft.Limits, errors),
            HostAccess = HostAccessDraft.Check(draft.HostAccess, "hostAccess", errors),
            Run = RunOptionsDraft.Check(draft.Run, "run", errors),
            Alias = CheckAlias(draft.Alias, errors),
            External = CheckExternal(draft.External, errors),
            Balancer = balancer,
        };
        if (draft.LoadBalancer is not null)
        {
            Balancing.BalancerService.CheckRest(draft, errors);
            if (balancer is not null)
            {
                Balancing.BalancerService.CheckTls(balancer, "loadBalancer", errors);
            }
            spec = spec with { Ports = balancer is null ? spec.Ports : Balancing.BalancerService.Ports(balancer, spec.Ports, draft.Ports is not null, errors) };
        }
        if (draft.Alias is not null && draft.External is not null)
        {
            errors.Add("alias", "a service is an alias or an external service, not both");
        }
        CheckTogether(spec, errors);
        if (pointer && (spec.Ports.Count > 0 || spec.Scheduling.Global))
        {
            errors.Add(spec.Ports.Count > 0 ? "ports" : "scheduling.global", "an alias or external service runs no containers");
        }
        if (errors.IsEmpty && TooLargeToStore(spec) is { } tooLarge)
        {
            errors.Add("body", tooLarge);
        }
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        return (spec, scale);
    }

    /// <summary>The rules between launch fields: checked again on a changed spec, whose kept fields meet the new ones.</summary>
    public static void CheckTogether(ServiceSpec spec, FieldErrors errors)
    {
        if (spec.Run?.NetworkMode is { } mode && spec.Ports.Count > 0)
        {
            errors.Add("ports", $"a container with network mode '{mode}' publishes no ports{(mode == "host" ? ": it listens on the host's own" : "")}");
        }
        if (spec.Run?.NetworkMode is { } noAddress && spec.HealthCheck is { Type: not "command" })
        {
            errors.Add("healthCheck.type", $"a container with network mode '{noAddress}' has no address of its own to check; use a command check");
        }
        if (NetworkModes.JoinedService(spec) is { } joined)
        {
            CheckJoinedNetwork(spec, joined, errors);
        }
        if (spec.Run is { MemoryReservationBytes: > 0 } reserving && spec.Limits.MemoryBytes > 0 && reserving.MemoryReservationBytes > spec.Limits.MemoryBytes)
        {
            errors.Add("run.memoryReservationBytes", "must be at most the memory limit");
        }
    }

    /// <summary>Why the service cannot be stored in one row, or null when it can.</summary>
    public static string? TooLargeToStore(ServiceSpec spec)
    {
        var length = System.Text.Json.JsonSerializer.Serialize(spec, StoredJson).Length;
        return length <= MaxStoredLength
            ? null
            : $"the service is {length} characters when stored, more than the {MaxStoredLength} one service may take; shorten its environment, labels or command";
    }

    private static readonly System.Text.Json.JsonSerializerOptions StoredJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>
    /// A container that shares another's network has that container's name, address and
    /// resolver: Docker refuses its own (conflicting options), so they are refused here by field.
    /// </summary>
    private static void CheckJoinedNetwork(ServiceSpec spec, string joined, FieldErrors errors)
    {
        if (joined == spec.QualifiedName)
        {
            errors.Add("run.networkMode", "names this service itself; a service joins another service's network");
        }
        var run = spec.Run!;
        foreach (var (field, set) in new[]
                 {
                     ("hostname", spec.Hostname is not null), ("run.domainname", run.Domainname is not null),
                     ("run.dns", run.Dns.Count > 0), ("run.dnsSearch", run.DnsSearch.Count > 0),
                     ("run.dnsOptions", run.DnsOptions.Count > 0), ("run.extraHosts", run.ExtraHosts.Count > 0),
                     ("run.sysctls", run.Sysctls.Keys.Any(k => k.StartsWith("net.", StringComparison.Ordinal))),
                 })
        {
            if (set)
            {
                errors.Add(field, $"a container on the network of service '{joined}' takes that container's names, resolver and network settings; set them there");
            }
        }
    }

    private static List<string>? CheckAlias(IReadOnlyList<string?>? alias, FieldErrors errors)
    {
        if (alias is null)
        {
            return null;
        }
        if (alias.Count == 0)
        {
            errors.Add("alias", "must name at least one service");
        }
        var result = new List<string>();
        if (Bounds.TooMany(alias.Count, Bounds.MaxItems, "alias", errors))
        {
            return result;
        }
        for (var i = 0; i < alias.Count; i++)
        {
            if (SchedulingDraft.CheckServiceName(alias[i], $"alias[{i}]", errors) is { } target)
            {
                result.Add(target);
            }
        }
        return result;
    }

    private static ExternalTarget? CheckExternal(ExternalDraft? external, FieldErrors errors)
    {
        if (external is null)
        {
            return null;
        }
        var addresses = new List<string>();
        if (Bounds.TooMany(external.Addresses?.Count ?? 0, Bounds.MaxItems, "external.addresses", errors))
        {
            return new ExternalTarget(addresses, null);
        }
        for (var i = 0; i < (external.Addresses?.Count ?? 0); i++)
        {
            if (System.Net.IPAddress.TryParse(external.Addresses![i], out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            {
                addresses.Add(address.ToString());
            }
            else
            {
                errors.Add($"external.addresses[{i}]", "must be an IPv4 address");
            }
        }
        var hostname = external.Hostname;
        if (hostname is not null && !DnsName.IsValid(hostname))
        {
            errors.Add("external.hostname", "must be a DNS name");
        }
        if ((addresses.Count == 0) == (hostname is null))
        {
            errors.Add("external", "give either addresses or a hostname");
        }
        return new ExternalTarget(addresses, hostname);
    }

    private static string? CheckRestart(string? restart, FieldErrors errors)
    {
        if (restart is not (null or "no" or "always" or "on-failure" or "unless-stopped"))
        {
            errors.Add("restart", "must be 'no', 'always', 'on-failure' or 'unless-stopped'");
        }
        return restart;
    }

    private static string? Optional(string? text, string field, int maxLength, FieldErrors errors)
    {
        if (text is not null && (text.Length is 0 || text.Length > maxLength || text.Any(char.IsControl) || text.Contains(' ', StringComparison.Ordinal)))
        {
            errors.Add(field, $"must be 1 to {maxLength} characters without spaces");
        }
        return text;
    }

    private static ResourceLimits CheckLimits(LimitsDraft? limits, FieldErrors errors)
    {
        if (limits is null)
        {
            return ResourceLimits.None;
        }
        if (limits.Cpus is < 0 or > 1024 or (> 0 and < 0.01))
        {
            errors.Add("limits.cpus", "must be between 0.01 and 1024 cores (Docker's least is 0.01), or 0 for no limit");
        }
        if (limits.MemoryBytes is < 0 or (> 0 and < 6 * 1024 * 1024))
        {
            errors.Add("limits.memoryBytes", "must be at least 6 MiB (Docker's minimum)");
        }
        return new ResourceLimits((int)Math.Round((limits.Cpus ?? 0) * 1000), limits.MemoryBytes ?? 0);
    }

    public static int CheckScale(int scale, string field, FieldErrors errors)
    {
        if (scale is < 0 or > MaxScale)
        {
            errors.Add(field, $"must be between 0 and {MaxScale}");
        }
        return scale;
    }

    private static SortedDictionary<string, string> CheckEnvironment(
        IReadOnlyDictionary<string, string?>? environment, FieldErrors errors)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (environment is null || Bounds.TooMany(environment.Count, MaxVariables, "environment", errors))
        {
            return result;
        }
        foreach (var (key, value) in environment)
        {
            var field = $"environment.{key}";
            if (key.Length > 256 || !EnvironmentVariableName.IsValid(key))
            {
                errors.Add(field, "variable names are at most 256 characters, start with a letter or '_' and contain only letters, digits, '_', '.' and '-'");
            }
            else if (value is null)
            {
                errors.Add(field, "must be a string, not null");
            }
            else if (value.Contains('\0', StringComparison.Ordinal) || value.Length > Bounds.MaxArgumentLength)
            {
                errors.Add(field, $"must be at most {Bounds.MaxArgumentLength} characters, without NUL");
            }
            else
            {
                result[key] = value;
            }
        }
        return result;
    }
}
