using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Balancing;

/// <summary>
/// Renders a balancer's HAProxy configuration. Each backend has a fixed number of server slots
/// (<see cref="SlotsFor"/>): members fill the first ones and the rest wait disabled, so a change
/// of members is a runtime API command on the admin socket, not a reload. A listener tries its
/// routes in the plan's order, up to the first that takes everything; hosts match without their
/// port, a <c>*.</c> host one label deep.
/// </summary>
public static partial class HaproxyConfig
{
    /// <summary>Health checks this often take a failing member out within two of them.</summary>
    public const int CheckIntervalMs = 2_000;

    /// <summary>Slots of a backend: room to grow to twice its members (at least 8) before a reload.</summary>
    public static int SlotsFor(int members) => Math.Max(8, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(members, 1) * 2));

    /// <param name="balancer">What the plan says the balancer runs.</param>
    /// <param name="adminSocket">The runtime API's socket, also how a reload hands its listeners over.</param>
    /// <param name="certificateDir">Where the certificate files the plan names are written.</param>
    public static string Render(PlannedBalancer balancer, string adminSocket, string certificateDir)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine("global");
        text.AppendLine("    master-worker");
        text.AppendLine(c, $"    stats socket {Safe(adminSocket)} mode 600 level admin expose-fd listeners");
        // An old worker keeps its established connections (WebSockets too) this long after a reload; 0 closes them at once.
        text.AppendLine(c, $"    hard-stop-after {Math.Max(1, balancer.DrainTimeoutMs)}ms");
        text.AppendLine("defaults");
        // A member that just left (its container stopped, its host lost) fails fast, and the request goes to another.
        text.AppendLine("    timeout connect 2s");
        text.AppendLine("    timeout client 60s");
        text.AppendLine("    timeout server 60s");
        text.AppendLine("    timeout tunnel 1h");
        text.AppendLine("    option redispatch 1");
        text.AppendLine("    retries 3");
        text.AppendLine(c, $"    default-server inter {CheckIntervalMs}ms fall 2 rise 2");
        foreach (var listener in balancer.Listeners)
        {
            RenderListener(text, balancer, listener, certificateDir);
        }
        foreach (var backend in balancer.Backends)
        {
            RenderBackend(text, balancer, backend);
        }
        return text.ToString();
    }

    private static void RenderListener(StringBuilder text, PlannedBalancer balancer, PlannedListener listener, string certificateDir)
    {
        var c = CultureInfo.InvariantCulture;
        var http = listener.Protocol is "http" or "https";
        var tls = listener.Protocol is "https" or "tls";
        text.AppendLine(c, $"frontend port_{listener.Port}");
        var bind = new StringBuilder().Append(c, $"    bind :{listener.Port}");
        if (balancer.AcceptProxyProtocol)
        {
            bind.Append(" accept-proxy");
        }
        if (tls)
        {
            // The first certificate is offered when SNI names none of them.
            bind.Append(" ssl");
            foreach (var certificate in balancer.Certificates.Count > 0 ? balancer.Certificates : [PlaceholderCertificate.FileName])
            {
                bind.Append(c, $" crt {Safe(Path.Combine(certificateDir, certificate))}");
            }
        }
        text.AppendLine(bind.ToString());
        text.AppendLine(c, $"    mode {(http ? "http" : "tcp")}");
        if (http)
        {
            // The client's address, scheme and port, as the application would have seen them without the balancer.
            text.AppendLine("    option forwardfor");
            text.AppendLine(c, $"    http-request set-header X-Forwarded-Proto {(tls ? "https" : "http")}");
            text.AppendLine(c, $"    http-request set-header X-Forwarded-Port {listener.Port}");
        }
        if (listener.Protocol == "http")
        {
            // An ACME directory proving a hostname asks here, over plain http, before any route or redirect.
            foreach (var challenge in balancer.Challenges.Where(ch => ChallengePattern().IsMatch(ch.Token) && ChallengePattern().IsMatch(ch.KeyAuthorization)))
            {
                text.AppendLine(c, $"    http-request return status 200 content-type text/plain string {challenge.KeyAuthorization} if {{ path /.well-known/acme-challenge/{challenge.Token} }}");
            }
        }
        for (var i = 0; i < listener.Routes.Count; i++)
        {
            var route = listener.Routes[i];
            var conditions = new List<string>();
            if (route.Hostname is { } host)
            {
                // After TLS is terminated in tcp mode, the name is the client's SNI; in http mode the Host header without its port.
                var fetch = http ? "hdr(host),field(1,:)" : "ssl_fc_sni";
                var match = host.StartsWith("*.", StringComparison.Ordinal)
                    ? $"-m reg -i ^[^.]+{Safe(host[1..]).Replace(".", "[.]", StringComparison.Ordinal)}$" // no backslashes: the config parser reads them
                    : $"-i {Safe(host)}";
                text.AppendLine(c, $"    acl route{i}_host {fetch} {match}");
                conditions.Add($"route{i}_host");
            }
            if (route.Path is { } path)
            {
                // A prefix of whole segments: /api takes /api and /api/x, not /apiary.
                var prefix = Safe(path).TrimEnd('/');
                text.AppendLine(prefix.Length == 0 ? $"    acl route{i}_path path_beg /" : $"    acl route{i}_path path {prefix}");
                if (prefix.Length > 0)
                {
                    text.AppendLine(c, $"    acl route{i}_path path_beg {prefix}/");
                }
                conditions.Add($"route{i}_path");
            }
            if (conditions.Count == 0)
            {
                // Routes are tried in order: one that takes everything leaves none after it to try.
                text.AppendLine(c, $"    default_backend {Name(route.Backend)}");
                break;
            }
            text.AppendLine(c, $"    use_backend {Name(route.Backend)} if {string.Join(" ", conditions)}");
        }
    }

    private static void RenderBackend(StringBuilder text, PlannedBalancer balancer, PlannedBackend backend)
    {
        var c = CultureInfo.InvariantCulture;
        var http = backend.Mode == "http";
        text.AppendLine(c, $"backend {Name(backend.Name)}");
        text.AppendLine(c, $"    mode {(http ? "http" : "tcp")}");
        text.AppendLine("    balance roundrobin");
        if (http)
        {
            // Retried on another member when no connection was made, or (for GET and HEAD only, which
            // may be repeated) when the member closed without answering: a POST is never sent twice.
            text.AppendLine("    retry-on conn-failure empty-response");
            text.AppendLine("    http-request disable-l7-retry unless METH_GET || METH_HEAD");
        }
        var check = "check";
        if (backend.Check is { } own)
        {
            // The target's own check, run by HAProxy too: a failing member is out at its next checks, before the platform's report arrives.
            if (own.HttpPath is { } path)
            {
                text.AppendLine(c, $"    option httpchk GET {Safe(path)}"); // 2xx and 3xx pass
            }
            check = string.Create(c, $"check port {own.Port} inter {Math.Max(100, Math.Min(own.IntervalMs, CheckIntervalMs))}ms fall {own.Fall}");
        }
        var sticky = http && balancer.Stickiness is not null;
        if (sticky && balancer.Stickiness is { } stick)
        {
            // Dynamic cookies are derived from the member's address and port, so a client stays on its
            // instance across reloads and slot reuse; the key differs per backend.
            text.Append(c, $"    cookie {Safe(stick.Cookie)} {stick.Mode}");
            text.Append(stick.Indirect ? " indirect" : "").Append(stick.NoCache ? " nocache" : "").Append(stick.PostOnly ? " postonly" : "");
            text.AppendLine(stick.Domain is { } domain ? $" domain {Safe(domain)} dynamic" : " dynamic");
            text.AppendLine(c, $"    dynamic-cookie-key {Name(balancer.CookieKey + backend.Name)}");
        }
        var members = backend.Members.OrderBy(m => m.InstanceId, StringComparer.Ordinal).ToList();
        for (var slot = 1; slot <= SlotsFor(members.Count); slot++)
        {
            var member = slot <= members.Count ? members[slot - 1] : null;
            var line = new StringBuilder().Append(c, $"    server m{slot} {(member is null ? "0.0.0.0" : Safe(member.Address))}:{backend.Port} {check}");
            if (balancer.ProxyProtocolToBackends)
            {
                line.Append(" send-proxy-v2");
            }
            if (member is { Weight: not 1 } weighed)
            {
                line.Append(c, $" weight {Math.Clamp(weighed.Weight, 1, 256)}");
            }
            if (member is null)
            {
                line.Append(" disabled");
            }
            text.AppendLine(line.ToString());
        }
    }

    /// <summary>Backend and listener names are the platform's own; anything else in them is a bug upstream.</summary>
    private static string Name(string name) =>
        NamePattern().IsMatch(name) ? name : throw new ArgumentException($"'{name}' is not a backend name", nameof(name));

    /// <summary>
    /// A value the plan gives (host, path, address, file): one HAProxy word. The control plane
    /// checked it; a space, quote, '#' or '\' here would change the configuration's meaning.
    /// </summary>
    private static string Safe(string value) =>
        value.Length > 0 && !value.Any(ch => char.IsWhiteSpace(ch) || char.IsControl(ch) || ch is '#' or '"' or '\'' or '\\' or '$')
            ? value
            : throw new ArgumentException($"'{value}' cannot be written into a HAProxy configuration", nameof(value));

    [GeneratedRegex(@"^[A-Za-z0-9_.-]{1,512}\z")]
    private static partial Regex ChallengePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]{1,160}\z")]
    private static partial Regex NamePattern();
}
