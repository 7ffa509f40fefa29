using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Balancing;

/// <summary>
/// What a balancer's instances run, from its rules and where its targets answer now: a listener
/// per source port with its routes in the order they are tried, and a backend per target service
/// and port whose members are the target's instances that run and pass their checks.
/// </summary>
public static class BalancerPlan
{
    /// <param name="service">The balancer service.</param>
    /// <param name="byName">The environment's services by qualified name.</param>
    /// <param name="answering">Instances that may be sent traffic, by service id.</param>
    /// <param name="certificates">The environment's certificates' fingerprints by name; a name it lacks is left out.</param>
    /// <param name="challenges">ACME challenges being proven now: a balancer answers those for its own ACME rules' hostnames.</param>
    /// <param name="cookieKey">What sticky cookies are derived with: the same for every instance of the balancer, never shown to clients.</param>
    public static PlannedBalancer Of(
        ServiceSpec service, IReadOnlyDictionary<string, Service> byName, ILookup<string, Instance> answering,
        IReadOnlyDictionary<string, string>? certificates = null, string cookieKey = "", IReadOnlyList<PlannedChallenge>? challenges = null)
    {
        var balancer = service.Balancer ?? throw new ArgumentException("not a balancer", nameof(service));
        var backends = new Dictionary<string, PlannedBackend>(StringComparer.Ordinal);
        string BackendOf(PortRule rule)
        {
            var target = service.Resolve(rule.Service);
            var mode = rule.IsHttp ? "http" : "tcp";
            var name = $"{target.Replace('/', '.')}_{rule.TargetPort}{(mode == "tcp" ? "_tcp" : "")}";
            if (!backends.ContainsKey(name))
            {
                // A target that is gone (or not yet made) is a backend without members: HAProxy answers 503, not a broken config.
                var serving = byName.TryGetValue(target, out var found) && found is not null ? answering[found.Id].OrderBy(i => i.Slot).ToList() : [];
                var members = serving.Select(i => new PlannedMember(i.Id, i.Address!)).ToList();
                backends[name] = new PlannedBackend(name, mode, rule.TargetPort, members) { Check = found is null ? null : CheckOf(found, serving) };
            }
            return name;
        }
        var ordered = balancer.Routes();
        var listeners = balancer.SourcePorts
            .Select(port =>
            {
                var routes = ordered[port].ToList();
                return new PlannedListener(port, routes[0].Protocol, routes.Select(r => new PlannedRoute(BackendOf(r), r.Hostname, r.Path)).ToList());
            })
            .ToList();
        return new PlannedBalancer(listeners, backends.Values.ToList())
        {
            DrainTimeoutMs = balancer.DrainTimeoutMs,
            Stickiness = balancer.Stickiness is { } s ? new PlannedStickiness(s.Cookie, s.Mode, s.Indirect, s.NoCache, s.PostOnly, s.Domain) : null,
            AcceptProxyProtocol = balancer.AcceptProxyProtocol,
            ProxyProtocolToBackends = balancer.ProxyProtocolToBackends,
            CookieKey = cookieKey,
            // The default first: HAProxy offers the first certificate of a bind when SNI matches none.
            // An ACME rule's certificate joins once it has been issued.
            Certificates = new[] { balancer.DefaultCertificate }.Concat(balancer.Certificates)
                .Concat(Certificates.AcmeCertificates.Wanted([service]).Select(Certificates.AcmeCertificates.NameFor))
                .OfType<string>().Distinct(StringComparer.Ordinal)
                .Where(name => certificates?.ContainsKey(name) == true)
                .Select(name => Certificates.CertificateBundle.FileNameOf(name, certificates![name]))
                .ToList(),
            // Only a balancer that asks for the hostname answers for it: a challenge reloads what carries it.
            Challenges = (challenges ?? []).Where(c => c.Hostname is { } h && Certificates.AcmeCertificates.Wanted([service]).Contains(h, StringComparer.Ordinal)).ToList(),
        };
    }

    /// <summary>
    /// The check HAProxy runs on a target's members. Mid-upgrade two versions may check
    /// differently (a new path, say), and a backend has one check: then HAProxy only sees that
    /// the port they share accepts, and each instance's own check, which its agent runs, still
    /// decides whether it is a member at all.
    /// </summary>
    private static PlannedMemberCheck? CheckOf(Service target, IReadOnlyList<Instance> serving)
    {
        var checks = serving.Select(i => CheckOf(target.SpecOf(i).HealthCheck)).Append(CheckOf(target.Spec.HealthCheck)).Distinct().ToList();
        if (checks.Count == 1)
        {
            return checks[0];
        }
        return checks.All(c => c is not null) && checks.Select(c => c!.Port).Distinct().Count() == 1
            ? checks[0]! with { HttpPath = null }
            : null;
    }

    /// <summary>A target's own http or tcp check, as HAProxy runs it; a command check cannot run from the balancer.</summary>
    private static PlannedMemberCheck? CheckOf(HealthCheck? check) => check switch
    {
        { Type: "http" } when check.Path.All(c => char.IsAsciiLetterOrDigit(c) || "/._~!&()*+,;=:@%-?".Contains(c)) =>
            new PlannedMemberCheck(check.Path, check.Port, (int)check.Interval.TotalMilliseconds, Math.Max(1, check.Retries)),
        { Type: "tcp" or "http" } => new PlannedMemberCheck(null, check.Port, (int)check.Interval.TotalMilliseconds, Math.Max(1, check.Retries)),
        _ => null,
    };
}
