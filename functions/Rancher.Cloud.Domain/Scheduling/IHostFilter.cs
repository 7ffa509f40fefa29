using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Scheduling;

/// <summary>One feasibility question about one host: can it take an instance of this service?</summary>
public interface IHostFilter
{
    /// <summary>
    /// False when the service has no rule of this filter's kind: a search passes the filter over
    /// for every host at once (most services have no ports, run options or affinity).
    /// </summary>
    bool AppliesTo(Service service) => true;

    /// <summary>Null when the host is feasible; otherwise the reason it is not.</summary>
    Rejection? Check(Service service, HostView host);
}

/// <summary>Only hosts that are heartbeating take new instances.</summary>
public sealed class HostMustBeActive : IHostFilter
{
    public Rejection? Check(Service service, HostView host) =>
        host.State == Hosts.HostState.Active
            ? null
            : new Rejection(host.Id, Constraints.HostActive, $"host is {host.State.ToString().ToLowerInvariant()}");
}

/// <summary>A host port can be published by one container only.</summary>
public sealed class PublishedPortsMustBeFree : IHostFilter
{
    public bool AppliesTo(Service service) => service.Spec.Ports.Count > 0;

    public Rejection? Check(Service service, HostView host)
    {
        foreach (var port in service.Spec.Ports)
        {
            if (host.PublisherOf(port) is { } publisher)
            {
                var by = publisher == service.Spec.Name ? "another instance of this service" : $"service '{publisher}'";
                return new Rejection(host.Id, Constraints.PortsFree, $"port {port} is already published on this host by {by}");
            }
        }
        return null;
    }
}
