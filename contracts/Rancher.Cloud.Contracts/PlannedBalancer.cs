namespace Rancher.Cloud.Contracts;

/// <summary>
/// What a balancer instance runs: its listeners, the order each tries its routes, and the
/// backends they send to. Members change through HAProxy's runtime API without a reload; the
/// rest is the configuration, and a change of it reloads seamlessly.
/// </summary>
public sealed record PlannedBalancer(IReadOnlyList<PlannedListener> Listeners, IReadOnlyList<PlannedBackend> Backends)
{
    /// <summary>How long connections may finish after a reload or when a member leaves.</summary>
    public int DrainTimeoutMs { get; init; }

    public PlannedStickiness? Stickiness { get; init; }

    /// <summary>
    /// The key sticky cookies are derived with, the same on every instance of the balancer (a client
    /// stays on its member whichever instance it reaches) and known to no client, so a cookie does
    /// not give away a member's address.
    /// </summary>
    public string CookieKey { get; init; } = "";

    /// <summary>PROXY protocol accepted on every listener (an upstream balancer in front).</summary>
    public bool AcceptProxyProtocol { get; init; }

    /// <summary>PROXY protocol v2 sent to every member.</summary>
    public bool ProxyProtocolToBackends { get; init; }

    /// <summary>Certificate files (PEM: certificate, chain, key) offered by SNI on TLS listeners; the first is the default.</summary>
    public IReadOnlyList<string> Certificates { get; init; } = [];

    /// <summary>ACME HTTP-01 challenges the balancer answers on its http listeners while the control plane orders a certificate.</summary>
    public IReadOnlyList<PlannedChallenge> Challenges { get; init; } = [];
}

/// <summary>Answer <see cref="KeyAuthorization"/> to <c>GET /.well-known/acme-challenge/&lt;Token&gt;</c>.</summary>
public sealed record PlannedChallenge(string Token, string KeyAuthorization)
{
    /// <summary>The hostname being proven: only balancers with an ACME rule for it answer.</summary>
    public string? Hostname { get; init; }
}

/// <summary>A port the balancer listens on (<c>http</c>, <c>https</c>, <c>tcp</c> or <c>tls</c>), and its routes in the order they are tried.</summary>
public sealed record PlannedListener(int Port, string Protocol, IReadOnlyList<PlannedRoute> Routes);

/// <summary>Requests for <see cref="Hostname"/> (exact, or <c>*.</c> one label deep) under <see cref="Path"/> go to <see cref="Backend"/>; nulls match anything.</summary>
public sealed record PlannedRoute(string Backend, string? Hostname = null, string? Path = null);

/// <summary>One target service's port, proxied in <c>http</c> or <c>tcp</c> mode: its members are the instances that run and pass their checks.</summary>
public sealed record PlannedBackend(string Name, string Mode, int Port, IReadOnlyList<PlannedMember> Members)
{
    /// <summary>How HAProxy checks members itself, from the target's own health check; null for a connect check on <see cref="Port"/>.</summary>
    public PlannedMemberCheck? Check { get; init; }
}

/// <summary>
/// HAProxy's check of each member, so a failing one is out at HAProxy's next checks, before the
/// platform's report reaches the plan: an HTTP GET of <see cref="HttpPath"/> (2xx or 3xx passes),
/// or a connection when it is null, on <see cref="Port"/>, every <see cref="IntervalMs"/>, out after <see cref="Fall"/> failures.
/// </summary>
public sealed record PlannedMemberCheck(string? HttpPath, int Port, int IntervalMs, int Fall);

/// <summary>An instance of a target service, at its environment address.</summary>
public sealed record PlannedMember(string InstanceId, string Address)
{
    /// <summary>
    /// Its share of the backend's traffic against the other members' (HAProxy's server weight,
    /// 1 to 256): equal unless a canary splits a service's traffic with its candidate.
    /// </summary>
    public int Weight { get; init; } = 1;
}

/// <summary>Cookie stickiness, as HAProxy's <c>cookie</c> directive takes it.</summary>
public sealed record PlannedStickiness(string Cookie, string Mode, bool Indirect, bool NoCache, bool PostOnly, string? Domain);
