using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Balancing;

/// <summary>
/// What a balancer must agree with in its environment: each rule's target service exists and
/// runs containers, its target port is one the service declares (when it declares any), and no
/// other service publishes the balancer's ports on hosts both may use.
/// </summary>
public static class BalancerTargets
{
    /// <summary>
    /// Refusals of <paramref name="spec"/> against <paramref name="environment"/> (every service,
    /// the new ones too), by field; empty when it agrees. A service that is not a balancer is
    /// checked only for ports a balancer publishes.
    /// </summary>
    /// <param name="spec">The service to check.</param>
    /// <param name="environment">Every service of the environment, the new ones too.</param>
    /// <param name="certificates">The environment's certificate names; null skips the check.</param>
    public static FieldErrors Check(ServiceSpec spec, IReadOnlyCollection<ServiceSpec> environment, IReadOnlyCollection<string>? certificates = null)
    {
        var errors = new FieldErrors();
        if (spec.Balancer is { } withCertificates && certificates is not null)
        {
            if (withCertificates.DefaultCertificate is { } missingDefault && !certificates.Contains(missingDefault))
            {
                errors.Add("loadBalancer.defaultCertificate", $"there is no certificate '{missingDefault}' in this environment; upload it first");
            }
            for (var i = 0; i < withCertificates.Certificates.Count; i++)
            {
                if (!certificates.Contains(withCertificates.Certificates[i]))
                {
                    errors.Add($"loadBalancer.certificates[{i}]", $"there is no certificate '{withCertificates.Certificates[i]}' in this environment; upload it first");
                }
            }
        }
        var rules = spec.Balancer?.Rules ?? [];
        // Only a balancer looks its targets up: an ordinary service costs no index (a stack of thousands checks each).
        var byName = rules.Count == 0
            ? new Dictionary<string, ServiceSpec>()
            : environment.GroupBy(s => s.QualifiedName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            var at = $"loadBalancer.portRules[{i}]";
            var name = spec.Resolve(rules[i].Service);
            if (!byName.TryGetValue(name, out var target))
            {
                errors.Add($"{at}.service", $"there is no service '{name}' in this environment");
            }
            else if (target.Alias is not null || target.External is not null)
            {
                errors.Add($"{at}.service", $"'{name}' is an {(target.Alias is null ? "external service" : "alias")} and runs no containers to balance over");
            }
            else if (name == spec.QualifiedName)
            {
                errors.Add($"{at}.service", "a balancer cannot send its traffic to itself");
            }
            else if (Declares(target, rules[i].TargetPort) == false)
            {
                errors.Add($"{at}.targetPort", $"'{name}' does not say it listens on {rules[i].TargetPort} (its ports, expose and health check name others)");
            }
            else if (target.Run?.NetworkMode is { } mode)
            {
                errors.Add($"{at}.service", $"'{name}' runs with network mode '{mode}' and has no address on the environment network to balance over");
            }
        }
        foreach (var other in environment.Where(o => o.QualifiedName != spec.QualifiedName && (o.Balancer is not null || spec.Balancer is not null)))
        {
            var clash = spec.Ports.Select((p, i) => (p, i)).FirstOrDefault(x => other.Ports.Any(o => o.Published == x.p.Published && o.Protocol == x.p.Protocol));
            if (clash.p is { } port && MayShareHosts(spec, other))
            {
                errors.Add(spec.Balancer is null ? $"ports[{clash.i}].published" : $"ports[{clash.i}]",
                    $"port {port.Published}/{port.Protocol} is published by '{other.QualifiedName}' on hosts this service may use too; choose another port, or host labels that keep them apart");
            }
        }
        return errors;
    }

    /// <summary>Whether the target says it listens on <paramref name="port"/>, when it says anything: published targets, compose's expose (ports and ranges), its checked port, a balancer's source ports.</summary>
    private static bool? Declares(ServiceSpec target, int port)
    {
        var any = false;
        foreach (var declared in target.Ports.Select(p => p.Target)
                     .Concat(target.HealthCheck is { Port: > 0 } check ? [check.Port] : [])
                     .Concat(target.Balancer?.SourcePorts ?? []))
        {
            any = true;
            if (declared == port)
            {
                return true;
            }
        }
        foreach (var expose in target.Compose?.Expose ?? [])
        {
            // 80, 80/tcp, or a range 8000-8010: compared, never expanded.
            var range = expose.Split('/')[0].Split('-');
            if (int.TryParse(range[0], out var from) && int.TryParse(range[^1], out var to))
            {
                any = true;
                if (from <= port && port <= to)
                {
                    return true;
                }
            }
        }
        return any ? false : null;
    }

    /// <summary>False only when hard host label rules keep the two apart (one needs k=v, the other k=w or k!=v).</summary>
    private static bool MayShareHosts(ServiceSpec a, ServiceSpec b)
    {
        var hard = (ServiceSpec s) => s.Scheduling.HostLabels.Where(r => !r.Soft).ToList();
        foreach (var need in hard(a).Where(r => r.Equal))
        {
            if (hard(b).Any(r => r.Key == need.Key && (r.Equal ? r.Value != need.Value : r.Value == need.Value)))
            {
                return false;
            }
        }
        foreach (var need in hard(b).Where(r => r.Equal))
        {
            if (hard(a).Any(r => r.Key == need.Key && !r.Equal && r.Value == need.Value))
            {
                return false;
            }
        }
        return true;
    }
}
