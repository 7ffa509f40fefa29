using System.Globalization;
using Rancher.Cloud.Domain.Scheduling;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>
/// A compose service while its keys are read: what <see cref="ComposeKeys"/> readers fill in.
/// Lives only inside <see cref="ComposeService.Read"/>; the result is immutable.
/// </summary>
internal sealed class ServiceReading(string stack, string name, ComposeNode node, StackDeclarations declared)
{
    public string Stack { get; } = stack;

    public string Name { get; } = name;

    public ComposeNode Node { get; } = node;

    public StackDeclarations Declared { get; } = declared;

    public ServiceDraft Draft { get; set; } = new() { Name = name };

    public ComposeDetails Details { get; set; } = new();

    /// <summary>Draft field paths (<c>ports[0]</c>, <c>environment.KEY</c>) to the line they were read from.</summary>
    public Dictionary<string, int> Lines { get; } = new(StringComparer.Ordinal) { ["name"] = node.Line };

    public List<PortDraft?> Ports { get; } = [];

    public List<VolumeDraft?> Volumes { get; } = [];

    public HostAccessDraft HostAccess { get; set; } = new(null, null, null, null);

    /// <summary>What the service says of <c>docker run</c>'s other options (tty, sysctls, ulimits…).</summary>
    public RunOptionsDraft Run { get; set; } = new();

    public ComposeNode? Links { get; set; }

    public ComposeNode? ExternalIps { get; set; }

    /// <summary>Rancher 1.6's <c>lb_config</c>: a balancer's rules, for <c>image: rancher/lb-service-haproxy</c>.</summary>
    public ComposeNode? BalancerConfig { get; set; }

    private readonly List<HostLabelRuleDraft?> hostLabels = [];
    private readonly List<AffinityRuleDraft?> affinity = [];
    private readonly Dictionary<string, string?> environment = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> labels = new(StringComparer.Ordinal);
    private bool? global;
    private ReservationDraft? reservations;

    /// <summary>The draft once every key is read: the collected parts put in place, Rancher's kinds recognised, the image settled.</summary>
    public ServiceDraft Finish()
    {
        ReadRancherKinds();
        if (Draft.Image is null)
        {
            if (Details.Build is null)
            {
                Node.Error("'image' is required");
            }
            else
            {
                // The name `docker compose -p <stack> build` gives the image: build and push it, or load it on the hosts.
                Draft = Draft with { Image = $"{Stack}-{Name}" };
                Node.Context.Warnings.Add(
                    $"{Node.Path}.build (line {Lines["build"]}): the platform does not build images; this service runs '{Stack}-{Name}', the image 'docker compose -p {Stack} build' makes: push it to a registry the hosts can pull from, or load it on them");
            }
        }
        return Draft with
        {
            Ports = Ports,
            Volumes = Volumes,
            Environment = environment,
            Labels = labels,
            Scheduling = new SchedulingDraft { HostLabels = hostLabels, Affinity = affinity, Reservations = reservations, Global = global },
            HostAccess = HostAccess,
            Run = Run == new RunOptionsDraft() ? null : Run,
        };
    }

    /// <summary>
    /// <c>network_mode</c>: <c>service:x</c> names a service of this file, kept as <c>service:stack/x</c>
    /// as the API names it; Docker's <c>container:</c> names a container the platform does not know.
    /// </summary>
    public static string? NetworkMode(ComposeNode value, string stack)
    {
        var mode = value.Text();
        if (mode is not null && mode.StartsWith("container:", StringComparison.Ordinal))
        {
            value.Error("joining a container by name is not supported; use 'service:<name>' for a service of this file");
            return null;
        }
        return Services.NetworkModes.JoinedService(mode) is { Length: > 0 } joined && !joined.Contains('/', StringComparison.Ordinal)
            ? $"{Services.NetworkModes.ServicePrefix}{stack}/{joined}"
            : mode;
    }

    /// <summary>One string or a list of them (compose allows both for dns, dns_search and tmpfs).</summary>
    public static List<string?> OneOrMany(ComposeNode value) =>
        value.IsSequence ? value.Items().Select(i => i.Text()).ToList() : [value.Text()];

    /// <summary><c>name:address</c> (or <c>name=address</c>) items, or a mapping of names to addresses.</summary>
    public static List<string?> ExtraHosts(ComposeNode value) =>
        value.IsMapping
            ? value.Entries().Select(e => e.Value.Text() is { } address ? $"{e.Key}:{address}" : null).ToList()
            : value.Items().Select(i => i.Text() is { } text ? ReplaceFirst(text, '=', ':') : null).ToList();

    private static string ReplaceFirst(string text, char from, char to)
    {
        var at = text.IndexOf(from, StringComparison.Ordinal);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return at >= 0 && (colon < 0 || at < colon) ? text[..at] + to + text[(at + 1)..] : text;
    }

    /// <summary><c>name: limit</c> or <c>name: {soft, hard}</c>, as compose writes ulimits.</summary>
    public static List<Contracts.Ulimit?> Ulimits(ComposeNode value)
    {
        var result = new List<Contracts.Ulimit?>();
        foreach (var (name, limit) in value.Entries())
        {
            if (!limit.IsMapping)
            {
                result.Add(limit.Number(-1, int.MaxValue) is { } both ? new Contracts.Ulimit(name, both, both) : null);
                continue;
            }
            int? soft = null, hard = null;
            foreach (var (key, node) in limit.Entries())
            {
                switch (key)
                {
                    case "soft":
                        soft = node.Number(-1, int.MaxValue);
                        break;
                    case "hard":
                        hard = node.Number(-1, int.MaxValue);
                        break;
                    default:
                        node.Error($"'{key}' is not a ulimit option (soft, hard)");
                        break;
                }
            }
            result.Add(soft is { } s && hard is { } h ? new Contracts.Ulimit(name, s, h) : null);
        }
        return result;
    }

    /// <summary><c>/path</c> or <c>/path:options</c> items.</summary>
    public static Dictionary<string, string?> Tmpfs(ComposeNode value)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var item in OneOrMany(value).OfType<string>())
        {
            var colon = item.IndexOf(':', StringComparison.Ordinal);
            result[colon < 0 ? item : item[..colon]] = colon < 0 ? "" : item[(colon + 1)..];
        }
        return result;
    }

    /// <summary>compose's <c>logging: {driver, options}</c>.</summary>
    public static LogConfigDraft? Logging(ComposeNode value)
    {
        string? driver = null;
        Dictionary<string, string?>? options = null;
        foreach (var (key, node) in value.Entries())
        {
            switch (key)
            {
                case "driver":
                    driver = node.Text();
                    break;
                case "options":
                    options = node.PairMap();
                    break;
                default:
                    node.Error($"'{key}' is not a logging option (driver, options)");
                    break;
            }
        }
        return new LogConfigDraft(driver ?? "json-file", options);
    }

    /// <summary>
    /// Rancher 1.6's service kinds that run nothing: <c>image: rancher/dns-service</c> with <c>links</c>
    /// is an alias; <c>image: rancher/external-service</c> with <c>external_ips</c> or <c>hostname</c> is an
    /// external service. Elsewhere, links are refused: services reach each other by name.
    /// </summary>
    private void ReadRancherKinds()
    {
        switch (Draft.Image)
        {
            case ExternalTarget.AliasImage:
                Draft = Draft with { Alias = Links?.Items().Select(i => i.Text()?.Split(':')[0]).ToList() ?? [] };
                Links = null;
                break;
            case ExternalTarget.ExternalImage:
                Draft = Draft with
                {
                    External = new ExternalDraft(ExternalIps?.Items().Select(i => i.Text()).ToList(), Draft.Hostname),
                    Hostname = null,
                };
                ExternalIps = null;
                break;
        }
        if (Balancing.BalancerService.IsMarker(Draft.Image))
        {
            Draft = Draft with { LoadBalancer = BalancerConfig is null ? new Balancing.BalancerDraft() : ComposeBalancer.Read(BalancerConfig, Lines) };
            BalancerConfig = null;
        }
        Links?.Error("services reach each other by name on the environment network; 'links' is only for an alias (image: rancher/dns-service)");
        BalancerConfig?.Error($"'lb_config' is only for a balancer (image: {Balancing.BalancerService.Marker})");
        ExternalIps?.Error("'external_ips' is only for an external service (image: rancher/external-service)");
    }

    public static BuildSource? Build(ComposeNode value)
    {
        if (!value.IsMapping)
        {
            return value.Text() is { } context ? new BuildSource(context, null, null) : null;
        }
        var entries = value.Entries().ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        foreach (var (key, node) in entries.Where(e => e.Key is not ("context" or "dockerfile" or "target")))
        {
            node.Ignore("the platform does not build images");
        }
        return new BuildSource(
            entries.GetValueOrDefault("context")?.Text() ?? ".",
            entries.GetValueOrDefault("dockerfile")?.Text(),
            entries.GetValueOrDefault("target")?.Text());
    }

    public void ReadEnvironment(ComposeNode value)
    {
        foreach (var (key, text, at) in value.Pairs())
        {
            Lines[$"environment.{key}"] = at.Line;
            if (text is null)
            {
                // `- KEY` or `KEY:` takes the value from the user's shell; the stack's variables play that part.
                var fromVariables = at.Context.Interpolate($"${{{key}}}", at);
                environment[key] = fromVariables;
                continue;
            }
            environment[key] = text;
        }
    }

    public void ReadLabels(ComposeNode value)
    {
        foreach (var (key, text, at) in value.Pairs())
        {
            Lines[$"labels.{key}"] = at.Line;
            labels[key] = text ?? "";
            if (RancherSchedulingLabels.IsScheduling(key))
            {
                Lines["scheduling"] = at.Line;
                RancherSchedulingLabels.Read(key, text ?? "", at, Stack, Name, hostLabels, affinity, ref global);
            }
        }
    }

    public static HealthCheckDraft? HealthCheck(ComposeNode value)
    {
        var draft = new HealthCheckDraft();
        foreach (var (key, node) in value.Entries())
        {
            switch (key)
            {
                case "test":
                    IReadOnlyList<string?>? test = node.IsSequence ? node.Items().Select(i => i.Text()).ToList() : node.Text() is { } shell ? ["CMD-SHELL", shell] : null;
                    if (test is ["NONE", ..])
                    {
                        return null;
                    }
                    draft = draft with { Type = "command", Test = test };
                    break;
                case "interval":
                    draft = draft with { Interval = node.Text() };
                    break;
                case "timeout":
                    draft = draft with { Timeout = node.Text() };
                    break;
                case "start_period":
                    draft = draft with { StartPeriod = node.Text() };
                    break;
                case "retries":
                    draft = draft with { Retries = node.Number(1, 100) };
                    break;
                case "disable":
                    if (node.Boolean() == true)
                    {
                        return null;
                    }
                    break;
                case "start_interval":
                    node.Ignore("checks run every 'interval' from the start");
                    break;
                default:
                    node.Error($"'{key}' is not a healthcheck option (test, interval, timeout, retries, start_period, disable)");
                    break;
            }
        }
        return draft;
    }

    public static List<Dependency> Dependencies(ComposeNode value)
    {
        if (value.IsSequence)
        {
            return value.Items().Select(i => i.Text()).OfType<string>().Select(s => new Dependency(s, "service_started")).ToList();
        }
        var result = new List<Dependency>();
        foreach (var (name, options) in value.Entries())
        {
            var condition = "service_started";
            foreach (var (key, node) in options.IsNull ? [] : options.Entries())
            {
                switch (key)
                {
                    case "condition" when node.Text() is "service_started" or "service_healthy" or "service_completed_successfully":
                        condition = node.Text()!;
                        break;
                    case "condition":
                        node.Error("must be service_started, service_healthy or service_completed_successfully");
                        break;
                    case "restart" or "required":
                        node.Ignore("instances of every service are kept running");
                        break;
                    default:
                        node.Error($"'{key}' is not a depends_on option (condition)");
                        break;
                }
            }
            result.Add(new Dependency(name, condition));
        }
        return result;
    }

    public static List<string> Networks(ComposeNode value, ISet<string> declared)
    {
        var names = new List<string>();
        var entries = value.IsSequence
            ? value.Items().Select(i => (Name: i.Text(), Node: i, Options: (ComposeNode?)null))
            : value.Entries().Select(e => (Name: (string?)e.Key, Node: e.Value, Options: (ComposeNode?)e.Value));
        foreach (var (name, node, options) in entries)
        {
            if (name is null)
            {
                continue;
            }
            if (!declared.Contains(name) && name != "default")
            {
                node.Error($"network '{name}' is not declared under the top-level 'networks'");
                continue;
            }
            foreach (var (key, option) in options is null || options.IsNull ? [] : options.Entries())
            {
                if (key is "ipv4_address" or "ipv6_address")
                {
                    option.Error("addresses are assigned by the environment's network; give the service a name to reach it by instead");
                }
                else
                {
                    option.Ignore("every network of the stack is the environment's one network");
                }
            }
            names.Add(name);
        }
        return names;
    }

    public void ReadDeploy(ComposeNode value)
    {
        foreach (var (key, node) in value.Entries())
        {
            switch (key)
            {
                case "replicas":
                    Lines["scale"] = node.Line;
                    Draft = Draft with { Scale = node.Number(0, ServiceSpec.MaxScale) };
                    break;
                case "mode":
                    Lines["scheduling"] = node.Line;
                    switch (node.Text())
                    {
                        case "global":
                            global = true;
                            break;
                        case "replicated":
                            break;
                        default:
                            node.Error("must be 'replicated' or 'global'");
                            break;
                    }
                    break;
                case "resources":
                    ReadResources(node);
                    break;
                case "update_config":
                    Lines["upgradePolicy"] = node.Line;
                    Draft = Draft with { UpgradePolicy = ComposeUpgradeConfig.ReadUpdate(node, Draft.UpgradePolicy, Lines) };
                    break;
                case "rollback_config":
                    Lines["upgradePolicy.rollback"] = node.Line;
                    Draft = Draft with { UpgradePolicy = ComposeUpgradeConfig.ReadRollback(node, Draft.UpgradePolicy, Lines) };
                    break;
                default:
                    node.Error($"'deploy.{key}' is not supported (replicas, mode, resources, update_config, rollback_config)");
                    break;
            }
        }
    }

    private void ReadResources(ComposeNode value)
    {
        foreach (var (key, node) in value.Entries())
        {
            var cpus = (double?)null;
            var memory = (long?)null;
            foreach (var (resource, amount) in node.Entries())
            {
                switch (resource)
                {
                    case "cpus":
                        cpus = Cpus(amount);
                        break;
                    case "memory":
                        memory = ByteSize.Parse(amount);
                        break;
                    default:
                        amount.Error($"'{resource}' is not supported (cpus, memory)");
                        break;
                }
            }
            switch (key)
            {
                case "limits":
                    Lines["limits"] = node.Line;
                    Draft = Draft with { Limits = new LimitsDraft(cpus, memory) };
                    break;
                case "reservations":
                    Lines["scheduling"] = node.Line;
                    reservations = new ReservationDraft(cpus, memory);
                    break;
                default:
                    node.Error($"'{key}' is not supported (limits, reservations)");
                    break;
            }
        }
    }

    public static double? Cpus(ComposeNode amount)
    {
        if (amount.Text() is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var cpus) && double.IsFinite(cpus))
        {
            return cpus;
        }
        amount.Error("must be a number of cores, such as 0.5");
        return null;
    }
}
