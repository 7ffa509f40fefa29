using System.Text.RegularExpressions;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Scheduling;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Balancing;

/// <summary>A balancer as asked for (API <c>loadBalancer</c>, compose <c>lb_config</c>); <see cref="Check"/> makes it a <see cref="Balancer"/>.</summary>
public sealed partial record BalancerDraft
{
    /// <summary>How long connections may finish when nothing says otherwise: long enough for a page, short enough for a deploy.</summary>
    public const int DefaultDrainTimeoutMs = 30_000;

    public IReadOnlyList<PortRuleDraft?>? PortRules { get; init; }

    public IReadOnlyList<string?>? Certificates { get; init; }

    public string? DefaultCertificate { get; init; }

    public StickinessDraft? Stickiness { get; init; }

    public int? DrainTimeoutMs { get; init; }

    public bool? ProxyProtocolToBackends { get; init; }

    public bool? AcceptProxyProtocol { get; init; }

    /// <summary>The balancer, or null with every refused field named under <paramref name="field"/>.</summary>
    public static Balancer? Check(BalancerDraft draft, string field, FieldErrors errors)
    {
        var before = errors.ToDictionary().Count;
        var rules = CheckRules(draft.PortRules, $"{field}.portRules", errors);
        var certificates = new List<string>();
        for (var i = 0; i < (draft.Certificates?.Count ?? 0); i++)
        {
            if (ResourceName.Check(draft.Certificates![i], $"{field}.certificates[{i}]", errors) is { } name)
            {
                if (certificates.Contains(name))
                {
                    errors.Add($"{field}.certificates[{i}]", $"'{name}' is given twice");
                }
                certificates.Add(name);
            }
        }
        var defaultCertificate = draft.DefaultCertificate is null ? null : ResourceName.Check(draft.DefaultCertificate, $"{field}.defaultCertificate", errors);
        foreach (var port in rules.Where(r => r.TerminatesTls).Select(r => r.SourcePort).Distinct())
        {
            if (defaultCertificate is null && certificates.Count == 0 && !rules.Where(r => r.SourcePort == port).All(r => r.Acme))
            {
                errors.Add($"{field}.defaultCertificate", $"port {port} terminates TLS: give a defaultCertificate, certificates, or acme on each of its rules");
            }
        }
        var stickiness = draft.Stickiness is { } asked ? CheckStickiness(asked, $"{field}.stickiness", errors) : null;
        if (stickiness is not null && !rules.Any(r => r.IsHttp))
        {
            errors.Add($"{field}.stickiness", "cookie stickiness needs an http or https rule");
        }
        if (draft.DrainTimeoutMs is < 0 or > 3_600_000)
        {
            errors.Add($"{field}.drainTimeoutMs", "must be between 0 and 3600000 (an hour)");
        }
        return errors.ToDictionary().Count > before ? null : new Balancer(rules)
        {
            Certificates = certificates,
            DefaultCertificate = defaultCertificate,
            Stickiness = stickiness,
            DrainTimeoutMs = draft.DrainTimeoutMs ?? DefaultDrainTimeoutMs,
            ProxyProtocolToBackends = draft.ProxyProtocolToBackends ?? false,
            AcceptProxyProtocol = draft.AcceptProxyProtocol ?? false,
        };
    }

    private static List<PortRule> CheckRules(IReadOnlyList<PortRuleDraft?>? drafts, string field, FieldErrors errors)
    {
        var rules = new List<(PortRule Rule, string At)>();
        if (drafts is not { Count: > 0 })
        {
            errors.Add(field, "a balancer needs at least one port rule");
            return [];
        }
        if (Bounds.TooMany(drafts.Count, Bounds.MaxItems, field, errors))
        {
            return [];
        }
        for (var i = 0; i < drafts.Count; i++)
        {
            var at = $"{field}[{i}]";
            if (drafts[i] is not { } draft)
            {
                errors.Add(at, "must be an object, not null");
            }
            else if (CheckRule(draft, at, errors) is { } rule)
            {
                if (Clash(rule, at, rules) is { } reason)
                {
                    errors.Add(reason.Field, reason.Why);
                    continue;
                }
                rules.Add((rule, at));
            }
        }
        // In the order a port tries its rules, one that takes everything leaves the rest untried.
        var balancer = new Balancer(rules.Select(r => r.Rule).ToList());
        var ordered = balancer.Routes();
        foreach (var port in balancer.SourcePorts)
        {
            var routes = ordered[port].ToList();
            var catchAll = routes.ToList().FindIndex(r => r.IsDefault);
            foreach (var unreachable in catchAll < 0 ? [] : routes.Skip(catchAll + 1))
            {
                var at = rules.First(r => ReferenceEquals(r.Rule, unreachable)).At;
                var first = rules.First(r => ReferenceEquals(r.Rule, routes[catchAll])).At;
                errors.Add(at, $"is never tried: {first} takes every request on port {port} first (give this rule a lower priority number)");
            }
        }
        return rules.Select(r => r.Rule).ToList();

        (string Field, string Why)? Clash(PortRule rule, string at, List<(PortRule Rule, string At)> earlier)
        {
            foreach (var (other, otherAt) in earlier.Where(e => e.Rule.SourcePort == rule.SourcePort))
            {
                if (other.Protocol != rule.Protocol)
                {
                    return ($"{at}.protocol", $"port {rule.SourcePort} speaks {other.Protocol} ({otherAt}); a port speaks one protocol");
                }
                if (rule.Protocol == Protocols.Tcp)
                {
                    return (at, $"a tcp port forwards to one service, and port {rule.SourcePort} goes to '{other.Service}' ({otherAt})");
                }
                if (other.Hostname == rule.Hostname && other.Path == rule.Path && other.Priority == rule.Priority)
                {
                    return (at, $"routes the same port, host and path as {otherAt}; give one a priority, or merge them");
                }
            }
            return null;
        }
    }

    private static PortRule? CheckRule(PortRuleDraft draft, string at, FieldErrors errors)
    {
        var protocol = draft.Protocol ?? Protocols.Http;
        if (!Protocols.All.Contains(protocol))
        {
            errors.Add($"{at}.protocol", "must be http, https, tcp or tls");
            return null;
        }
        var sourcePort = Port(draft.SourcePort, $"{at}.sourcePort", errors);
        var targetPort = Port(draft.TargetPort, $"{at}.targetPort", errors);
        var service = SchedulingDraft.CheckServiceName(draft.Service, $"{at}.service", errors);
        var hostname = draft.Hostname?.ToLowerInvariant();
        if (hostname is not null && !IsHostPattern(hostname))
        {
            errors.Add($"{at}.hostname", "must be a host name, or '*.' and a domain");
            hostname = null;
        }
        else if (hostname is not null && protocol == Protocols.Tcp)
        {
            errors.Add($"{at}.hostname", "a tcp rule sees no host name; use tls to route by SNI");
        }
        if (draft.Path is { } path && (protocol is Protocols.Tcp or Protocols.Tls))
        {
            errors.Add($"{at}.path", $"a {protocol} rule sees no path; use http or https");
        }
        else if (draft.Path is { } prefix && !RequestPath().IsMatch(prefix))
        {
            errors.Add($"{at}.path", "must be a path prefix starting with '/', of URL path characters (no query, no quotes), at most 1024");
        }
        if (draft.Priority is < 0 or > 1000)
        {
            errors.Add($"{at}.priority", "must be between 0 and 1000 (lower is tried first)");
        }
        if (draft.Acme == true && (protocol != Protocols.Https || hostname is null || hostname.StartsWith("*.", StringComparison.Ordinal)))
        {
            errors.Add($"{at}.acme", "an ACME certificate is ordered for an https rule's exact hostname (HTTP-01 cannot prove a wildcard)");
        }
        return sourcePort is { } source && targetPort is { } target && service is not null
            ? new PortRule(source, protocol, service, target, hostname, draft.Path, draft.Priority ?? 0) { Acme = draft.Acme ?? false }
            : null;
    }

    private static Stickiness? CheckStickiness(StickinessDraft draft, string field, FieldErrors errors)
    {
        var mode = draft.Mode ?? "insert";
        if (!Balancing.Stickiness.Modes.Contains(mode))
        {
            errors.Add($"{field}.mode", "must be insert, rewrite or prefix");
        }
        if (draft.Cookie is not { } cookie || !CookieName().IsMatch(cookie))
        {
            errors.Add($"{field}.cookie", "must be a cookie name (letters, digits and !%&*+.^_`|~-, at most 64)");
            return null;
        }
        if (draft.Domain is { } domain && !DnsName.IsValid(domain.TrimStart('.')))
        {
            errors.Add($"{field}.domain", "must be a DNS domain");
        }
        if (mode != "insert" && (draft.Indirect == true || draft.NoCache == true || draft.PostOnly == true))
        {
            errors.Add($"{field}.mode", "indirect, nocache and postonly go with insert");
        }
        return new Stickiness(cookie, mode) { Indirect = draft.Indirect ?? false, NoCache = draft.NoCache ?? false, PostOnly = draft.PostOnly ?? false, Domain = draft.Domain };
    }

    private static int? Port(int? port, string field, FieldErrors errors)
    {
        if (port is >= 1 and <= 65535)
        {
            return port;
        }
        errors.Add(field, port is null ? "is required" : "must be between 1 and 65535");
        return null;
    }

    /// <summary>A host name of letter-digit-hyphen labels (none starting or ending with '-', which HAProxy would read as an option), or '*.' and one.</summary>
    private static bool IsHostPattern(string hostname)
    {
        var name = hostname.StartsWith("*.", StringComparison.Ordinal) ? hostname[2..] : hostname;
        return DnsName.IsValid(name) && !hostname.EndsWith('.') && !name.Contains('*', StringComparison.Ordinal)
            && name.Split('.').All(label => label.Length > 0 && !label.StartsWith('-') && !label.EndsWith('-') && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
    }

    /// <summary>A path's characters (RFC 3986 pchar and '/'), without the query a prefix never sees.</summary>
    [GeneratedRegex(@"^/[A-Za-z0-9._~!&()*+,;=:@%/-]{0,1023}\z")]
    private static partial Regex RequestPath();

    [GeneratedRegex(@"^[A-Za-z0-9!%&*+.^_`|~-]{1,64}\z")]
    private static partial Regex CookieName();
}

/// <summary>A port rule as asked; <c>protocol</c> is http unless given.</summary>
public sealed record PortRuleDraft
{
    public int? SourcePort { get; init; }
    public string? Protocol { get; init; }
    public string? Service { get; init; }
    public int? TargetPort { get; init; }
    public string? Hostname { get; init; }
    public string? Path { get; init; }
    public int? Priority { get; init; }
    public bool? Acme { get; init; }
}

/// <summary>Stickiness as asked; <c>mode</c> is insert unless given.</summary>
public sealed record StickinessDraft
{
    public string? Cookie { get; init; }
    public string? Mode { get; init; }
    public bool? Indirect { get; init; }
    public bool? NoCache { get; init; }
    public bool? PostOnly { get; init; }
    public string? Domain { get; init; }
}
