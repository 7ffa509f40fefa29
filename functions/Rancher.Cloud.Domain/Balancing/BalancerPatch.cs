using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Balancing;

/// <summary>
/// New rules for a balancer that exists. Its instances stay: the agents reload their HAProxy
/// seamlessly, unless the published ports change, which makes the containers anew.
/// </summary>
public static class BalancerPatch
{
    /// <summary>The service with its new balancer, or null with the refusals under <c>loadBalancer</c>.</summary>
    public static ServiceSpec? Apply(ServiceSpec spec, BalancerDraft draft, FieldErrors errors)
    {
        if (spec.Balancer is not { } before)
        {
            errors.Add("loadBalancer", "this service is not a balancer; create one with loadBalancer");
            return null;
        }
        var local = new FieldErrors();
        if (BalancerDraft.Check(draft, "loadBalancer", local) is not { } after)
        {
            foreach (var (field, reasons) in local.ToDictionary())
            {
                errors.Add(field, string.Join("; ", reasons));
            }
            return null;
        }
        BalancerService.CheckTls(after, "loadBalancer", local);
        // Ports the service published by default follow the rules; ports it was given stay and must still match them.
        var byDefault = BalancerService.Ports(before, [], portsGiven: false, local);
        var ports = byDefault.SequenceEqual(spec.Ports)
            ? BalancerService.Ports(after, [], portsGiven: false, local)
            : BalancerService.Ports(after, spec.Ports, portsGiven: true, local);
        foreach (var (field, reasons) in local.ToDictionary())
        {
            errors.Add(field, string.Join("; ", reasons));
        }
        var patched = spec with { Balancer = after, Ports = ports };
        if (local.IsEmpty && ServiceSpec.TooLargeToStore(patched) is { } tooLarge)
        {
            errors.Add("loadBalancer", tooLarge);
            return null;
        }
        return local.IsEmpty ? patched : null;
    }
}
