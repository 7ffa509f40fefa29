namespace Rancher.Cloud.Domain.Balancing;

/// <summary>
/// A service whose instances are HAProxy balancers: they publish each rule's source port and
/// spread its traffic over the target services' instances wherever they run.
/// </summary>
public sealed record Balancer(IReadOnlyList<PortRule> Rules)
{
    /// <summary>Uploaded certificates offered by SNI on TLS-terminating ports, by name.</summary>
    public IReadOnlyList<string> Certificates { get; init; } = [];

    /// <summary>The certificate for clients that send no SNI or one no certificate matches.</summary>
    public string? DefaultCertificate { get; init; }

    /// <summary>Requests of one client stay on one instance by cookie; null spreads every request.</summary>
    public Stickiness? Stickiness { get; init; }

    /// <summary>How long connections of a backend leaving (or of a replaced configuration) may finish.</summary>
    public int DrainTimeoutMs { get; init; }

    /// <summary>PROXY protocol v2 toward the backends, so they see the client's address.</summary>
    public bool ProxyProtocolToBackends { get; init; }

    /// <summary>PROXY protocol accepted from an upstream balancer on every port.</summary>
    public bool AcceptProxyProtocol { get; init; }

    /// <summary>The ports the balancer's instances listen on, each once.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<int> SourcePorts => Rules.Select(r => r.SourcePort).Distinct().Order().ToList();

    /// <summary>
    /// The rules of one port in the order they are tried: priority first, then the most specific
    /// (an exact host before a wildcard before none, a longer path before a shorter), then as given.
    /// </summary>
    public IReadOnlyList<PortRule> RoutesOf(int sourcePort) => Routes()[sourcePort].ToList();

    /// <summary>Every port's rules in the order they are tried (see <see cref="RoutesOf"/>), sorted once for all ports.</summary>
    public ILookup<int, PortRule> Routes() =>
        Rules.Select((rule, index) => (rule, index))
            .OrderBy(r => r.rule.Priority)
            .ThenBy(r => r.rule.Hostname is null ? 2 : r.rule.Hostname.StartsWith("*.", StringComparison.Ordinal) ? 1 : 0)
            .ThenByDescending(r => r.rule.Path?.Length ?? 0)
            .ThenBy(r => r.index)
            .ToLookup(r => r.rule.SourcePort, r => r.rule);
}

/// <summary>Cookie stickiness as HAProxy (and Rancher 1.6's <c>stickiness_policy</c>) does it.</summary>
/// <param name="Cookie">The cookie's name.</param>
/// <param name="Mode"><c>insert</c> (the balancer sets the cookie), <c>rewrite</c> or <c>prefix</c> (the application's cookie carries it).</param>
public sealed record Stickiness(string Cookie, string Mode = "insert")
{
    public static readonly string[] Modes = ["insert", "rewrite", "prefix"];

    /// <summary>With insert: the cookie is removed before the request reaches the backend.</summary>
    public bool Indirect { get; init; }

    /// <summary>With insert: responses that set it are marked not cacheable.</summary>
    public bool NoCache { get; init; }

    /// <summary>With insert: the cookie is set only on POST responses.</summary>
    public bool PostOnly { get; init; }

    /// <summary>The cookie's Domain attribute; null for the request's host.</summary>
    public string? Domain { get; init; }
}
