namespace Rancher.Cloud.Domain.Balancing;

/// <summary>
/// One routing rule of a balancer, as Rancher 1.6's <c>lb_config.port_rules</c> had it: traffic
/// on <see cref="SourcePort"/> (by <see cref="Hostname"/> and <see cref="Path"/> for http and
/// https) goes to <see cref="TargetPort"/> of <see cref="Service"/>'s instances.
/// </summary>
/// <param name="SourcePort">The port the balancer's instances publish and listen on.</param>
/// <param name="Protocol">One of <see cref="Protocols"/>.</param>
/// <param name="Service">The target, named as affinity rules name services: <c>stack/service</c>, or the name alone.</param>
/// <param name="TargetPort">The port the target's containers listen on.</param>
/// <param name="Hostname">An exact host, a <c>*.</c> wildcard, or null for any.</param>
/// <param name="Path">A path prefix starting with '/', or null for any.</param>
/// <param name="Priority">Lower is tried first; rules of equal priority go most specific first.</param>
public sealed record PortRule(int SourcePort, string Protocol, string Service, int TargetPort, string? Hostname = null, string? Path = null, int Priority = 0)
{
    /// <summary>A certificate for this rule's hostnames is ordered from the ACME directory and renewed.</summary>
    public bool Acme { get; init; }

    /// <summary>Whether requests are matched by host and path (HTTP), or whole connections forwarded (TCP).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsHttp => Protocol is Protocols.Http or Protocols.Https;

    /// <summary>Whether the balancer terminates TLS on this rule's port.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool TerminatesTls => Protocol is Protocols.Https or Protocols.Tls;

    /// <summary>The rule for requests no other rule of the port takes: no host, no path.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsDefault => Hostname is null && Path is null;
}

/// <summary>What a balancer's port speaks: <c>http</c>, <c>https</c> (terminated here), <c>tcp</c>, <c>tls</c> (terminated here, TCP behind).</summary>
public static class Protocols
{
    public const string Http = "http";
    public const string Https = "https";
    public const string Tcp = "tcp";
    public const string Tls = "tls";

    public static readonly string[] All = [Http, Https, Tcp, Tls];
}
