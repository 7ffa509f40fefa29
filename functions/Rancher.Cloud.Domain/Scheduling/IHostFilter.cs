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

/// <summary>
/// A one-instance service's named volume holds its data: the instance stays on the host that has
/// the volume, whatever that host's state. It moves only when that host is removed (a backup
/// restored elsewhere is how the data follows).
/// </summary>
public sealed class VolumeStaysOnItsHost : IHostFilter
{
    public bool AppliesTo(Service service) =>
        service.Scale == 1 && !service.Spec.Scheduling.Global && service.Spec.Volumes.Any(v => v.IsNamedVolume);

    public Rejection? Check(Service service, HostView host)
    {
        foreach (var volume in service.Spec.Volumes.Where(v => v.IsNamedVolume))
        {
            var name = volume.NameOn(service.Spec.Stack);
            var homes = host.VolumeHomes?[name].ToList() ?? [];
            if (homes.Count > 0 && !homes.Contains(host.Id))
            {
                return new Rejection(host.Id, Constraints.VolumeHost,
                    $"volume '{name}' lives on host {string.Join(", ", homes)}: a one-instance service stays with its data (remove that host, or restore a backup here, to move it)");
            }
        }
        return null;
    }
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
