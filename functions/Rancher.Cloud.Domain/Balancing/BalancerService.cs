using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Balancing;

/// <summary>
/// What a balancer service may say besides its rules. Its containers run the environment's
/// balancer image with the agent's own HAProxy command and configuration, so it takes no image,
/// command, entrypoint, volumes or network of its own; it publishes its rules' source ports.
/// </summary>
public static class BalancerService
{
    /// <summary>The image name that marks a balancer in compose, as in Rancher 1.6; the image run is the environment's setting.</summary>
    public const string Marker = "rancher/lb-service-haproxy";

    /// <summary>The image balancers run where neither the environment nor the operator says another: HAProxy's own.</summary>
    public const string DefaultImage = "haproxy:2.6";

    /// <summary>Whether <paramref name="image"/> names Rancher's balancer image, with any tag or digest.</summary>
    public static bool IsMarker(string? image)
    {
        if (image is null)
        {
            return false;
        }
        var name = image.Split('@')[0];
        var tag = name.LastIndexOf(':');
        name = tag > name.LastIndexOf('/') ? name[..tag] : name;
        return name is Marker or "docker.io/" + Marker;
    }

    /// <summary>
    /// The ports a balancer's instances publish: each source port at its own number when none are
    /// given; otherwise the given ones, each of which must publish a source port (a source port not
    /// published is reached only inside the environment, through the balancer's DNS name).
    /// </summary>
    public static IReadOnlyList<PortMapping> Ports(Balancer balancer, IReadOnlyList<PortMapping> given, bool portsGiven, FieldErrors errors)
    {
        if (!portsGiven)
        {
            return balancer.SourcePorts.Select(p => new PortMapping(p, p, "tcp")).ToList();
        }
        for (var i = 0; i < given.Count; i++)
        {
            if (given[i].Protocol != "tcp")
            {
                errors.Add($"ports[{i}].protocol", "a balancer publishes tcp ports");
            }
            else if (!balancer.SourcePorts.Contains(given[i].Target))
            {
                errors.Add($"ports[{i}].target", $"port {given[i].Target} is no rule's source port; a balancer listens on {string.Join(", ", balancer.SourcePorts)}");
            }
        }
        return given;
    }

    /// <summary>The port an ACME directory proves a hostname on (HTTP-01): the balancer must listen there in http.</summary>
    public const int AcmeChallengePort = 80;

    /// <summary>
    /// A rule asking for an ACME certificate is proven over http on port 80 of its hostname, which
    /// the balancer answers itself: without an http rule on that port the order could only fail.
    /// </summary>
    public static void CheckTls(Balancer balancer, string field, FieldErrors errors)
    {
        var answers = balancer.Rules.Any(r => r.SourcePort == AcmeChallengePort && r.Protocol == Protocols.Http);
        for (var i = 0; i < balancer.Rules.Count; i++)
        {
            if (balancer.Rules[i].Acme && !answers)
            {
                errors.Add($"{field}.portRules[{i}].acme", $"an ACME certificate is proven over http on port {AcmeChallengePort}: add an http rule with source port {AcmeChallengePort} (it may redirect or serve the site)");
            }
        }
    }

    /// <summary>Refuses what a balancer's containers cannot take, by field.</summary>
    public static void CheckRest(ServiceDraft draft, FieldErrors errors)
    {
        if (draft.Image is not null && !IsMarker(draft.Image))
        {
            errors.Add("image", $"a balancer runs the environment's balancer image; leave image out, or give '{Marker}'");
        }
        foreach (var (field, set) in new[]
                 {
                     ("command", draft.Command is not null), ("entrypoint", draft.Entrypoint is not null),
                     ("volumes", draft.Volumes is { Count: > 0 }), ("alias", draft.Alias is not null),
                     ("external", draft.External is not null), ("user", draft.User is not null),
                     ("run.networkMode", draft.Run?.NetworkMode is not null),
                 })
        {
            if (set)
            {
                errors.Add(field, "a balancer runs HAProxy as the platform configures it, on the environment network; it takes no " + field);
            }
        }
    }
}
