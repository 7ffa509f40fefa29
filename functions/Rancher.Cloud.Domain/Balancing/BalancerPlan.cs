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
        var byId = new Lazy<Dictionary<string, Service>>(() => byName.Values.ToDictionary(s => s.Id, StringComparer.Ordinal));
        var backends = new Dictionary<string, PlannedBackend>(StringComparer.Ordinal);
        string BackendOf(PortRule rule)
        {
            var target = service.Resolve(rule.Service);
            var mode = rule.IsHttp ? "http" : "tcp";
            var name = $"{target.Replace('/', '.')}_{rule.TargetPort}{(mode == "tcp" ? "_tcp" : "")}";
            if (!backends.ContainsKey(name))
            {
                // A target that is gone (or not yet made) is a backend without members: HAProxy answers 503, not a broken config.
                // A target whose traffic is switched is served by its candidate, or by both at the canary's weights.
                var serving = byName.TryGetValue(target, out var found) && found is not null
                    ? Upgrades.ServiceClones.Serving(found, byId.Value)
                        .Select(s => (s.Service, s.Weight, Instances: answering[s.Service.Id].OrderBy(i => i.Slot).ToList()))
                        .ToList()
                    : [];
                var weights = MemberWeights(serving.Select(s => (s.Weight, s.Instances.Count)).ToList());
                var members = serving.SelectMany((s, n) => s.Instances.Select(i => new PlannedMember(i.Id, i.Address!) { Weight = weights[n] })).ToList();
                var checks = serving.SelectMany(s => s.Instances.Select(i => s.Service.SpecOf(i).HealthCheck).Append(s.Service.Spec.HealthCheck)).ToList();
                backends[name] = new PlannedBackend(name, mode, rule.TargetPort, members) { Check = found is null ? null : CheckOf(checks) };
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
    private static PlannedMemberCheck? CheckOf(IEnumerable<HealthCheck?> health)
    {
        var checks = health.Select(CheckOf).Distinct().ToList();
        if (checks.Count == 1)
        {
            return checks[0];
        }
        return checks.All(c => c is not null) && checks.Select(c => c!.Port).Distinct().Count() == 1
            ? checks[0]! with { HttpPath = null }
            : null;
    }

    /// <summary>
    /// Each group's member weight, so that group <c>n</c>'s members together carry its share of the
    /// traffic: share over count, in HAProxy's 1 to 256 (a canary of 1 % over many members is as
    /// close as whole weights get). One group is weight 1, HAProxy's own default.
    /// </summary>
    public static int[] MemberWeights(IReadOnlyList<(int Share, int Count)> groups)
    {
        if (groups.Count <= 1)
        {
            return [.. groups.Select(_ => 1)];
        }
        // Proportional to share / count: scale by the product of the other groups' counts.
        var raw = groups.Select((g, n) => (double)g.Share * groups.Where((_, m) => m != n).Aggregate(1.0, (p, o) => p * Math.Max(1, o.Count))).ToArray();
        var top = raw.Max();
        return [.. raw.Select(r => top == 0 ? 1 : Math.Clamp((int)Math.Round(r / top * 256), 1, 256))];
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
