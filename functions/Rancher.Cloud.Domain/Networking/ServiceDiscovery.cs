using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Networking;

/// <summary>What an agent last saw of an instance: its container's state and its health check's verdict.</summary>
public sealed record ObservedState(string State, string? Health)
{
    /// <summary>What the agent said went wrong: the failing check's output, or why the container could not be made.</summary>
    public string? Why { get; init; }
}

/// <summary>
/// The environment's DNS names, as Rancher 1.6 had them: <c>service.stack.&lt;env&gt;.rancher.internal</c>
/// for a service (every healthy running instance), and <c>stack-service-N.&lt;env&gt;.rancher.internal</c>
/// for each instance's container; an alias answers with its target services' instances, and an
/// external service with its fixed addresses or a CNAME. Only instances that run, and pass their
/// health check when they have one, are answered.
/// </summary>
public static class ServiceDiscovery
{
    public const string Suffix = "rancher.internal";

    public static string DomainOf(string environmentName) => $"{environmentName}.{Suffix}";

    /// <summary>
    /// The instances that may be sent traffic, by service id: they have an address, run, and pass
    /// their health check when they have one. DNS answers with them, and balancers send to them.
    /// </summary>
    public static ILookup<string, Instance> Answering(
        IReadOnlyDictionary<string, Service> services, IEnumerable<Instance> instances, IReadOnlyDictionary<string, ObservedState> observed) =>
        instances
            .Where(i => i.Address is not null && services.TryGetValue(i.ServiceId, out var s) && !s.Deleting && Answers(s, i, observed.GetValueOrDefault(i.Id)))
            .ToLookup(i => i.ServiceId, StringComparer.Ordinal);

    /// <summary>An instance may be sent traffic: it serves (not leaving rotation), runs, and passes the check of the version it runs.</summary>
    public static bool Answers(Service service, Instance instance, ObservedState? seen) =>
        instance.RetiringSince is null && seen is { State: ContainerStates.Running }
        && (service.SpecOf(instance).HealthCheck is null || seen.Health == HealthStates.Healthy);

    public static PlannedDns Records(
        string environmentName,
        IReadOnlyDictionary<string, Service> services,
        IEnumerable<Instance> instances,
        IReadOnlyDictionary<string, ObservedState> observed) =>
        Records(environmentName, services, Answering(services, instances, observed));

    /// <param name="environmentName">The environment's name, the last label before the suffix.</param>
    /// <param name="services">The environment's services by id.</param>
    /// <param name="answering">What <see cref="Answering"/> gives, computed once per step for DNS and balancers alike.</param>
    public static PlannedDns Records(string environmentName, IReadOnlyDictionary<string, Service> services, ILookup<string, Instance> answering)
    {
        var domain = DomainOf(environmentName);
        var records = new List<PlannedDnsRecord>();
        var byName = services.Values.Where(s => !s.Deleting).ToDictionary(s => s.Spec.QualifiedName, StringComparer.Ordinal);
        // A name whose traffic is switched whole to a candidate answers with the candidate's instances; a canary moves balancer traffic only.
        Service Serving(Service service) => Upgrades.ServiceClones.NamedBy(service, services);
        foreach (var service in services.Values.Where(s => !s.Deleting).OrderBy(s => s.Spec.QualifiedName, StringComparer.Ordinal))
        {
            var spec = service.Spec;
            var stack = spec.Stack ?? PlannedDns.DefaultStack;
            var name = $"{spec.Name}.{stack}.{domain}";
            if (spec.External is { } external)
            {
                records.Add(external.Hostname is { } target
                    ? new PlannedDnsRecord(name, []) { Cname = target }
                    : new PlannedDnsRecord(name, external.Addresses));
                continue;
            }
            if (spec.Alias is { } targets)
            {
                // An alias names services of its own stack by name, or any as stack/service.
                var addresses = targets
                    .Select(t => byName.GetValueOrDefault(spec.Resolve(t)))
                    .OfType<Service>()
                    .SelectMany(t => answering[Serving(t).Id].OrderBy(i => i.Slot).Select(i => i.Address!))
                    .Distinct()
                    .ToList();
                records.Add(new PlannedDnsRecord(name, addresses));
                continue;
            }
            var up = answering[service.Id].OrderBy(i => i.Slot).ToList();
            records.Add(new PlannedDnsRecord(name, answering[Serving(service).Id].OrderBy(i => i.Slot).Select(i => i.Address!).ToList()));
            records.AddRange(up.Select(i => new PlannedDnsRecord($"{stack}-{spec.Name}-{Slots.Logical(i.Slot)}.{domain}", [i.Address!])));
        }
        return new PlannedDns(domain, records);
    }
}
