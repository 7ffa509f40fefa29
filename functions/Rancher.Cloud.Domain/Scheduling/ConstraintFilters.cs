using System.Globalization;

namespace Rancher.Cloud.Domain.Scheduling;

/// <summary>Hard host label rules: the host's labels must match every one.</summary>
public sealed class HostLabelsMustMatch : IHostFilter
{
    public bool AppliesTo(Services.Service service) => service.Spec.Scheduling.HostLabels.Count > 0;

    public Rejection? Check(Services.Service service, HostView host)
    {
        foreach (var rule in service.Spec.Scheduling.HostLabels)
        {
            if (!rule.Soft && !rule.MatchedBy(host.Labels))
            {
                var actual = host.Labels is not null && host.Labels.TryGetValue(rule.Key, out var v) ? $"{rule.Key}={v}" : $"no label {rule.Key}";
                return new Rejection(host.Id, Constraints.HostLabel, $"requires host label {rule} (host has {actual})");
            }
        }
        return null;
    }
}

/// <summary>Hard affinity rules: with (or away from) another service's instances.</summary>
public sealed class AffinityMustHold : IHostFilter
{
    public bool AppliesTo(Services.Service service) => service.Spec.Scheduling.Affinity.Count > 0;

    public Rejection? Check(Services.Service service, HostView host)
    {
        foreach (var rule in service.Spec.Scheduling.Affinity)
        {
            if (!rule.Soft && !rule.MatchedBy(host.CountOfName(rule.Service)))
            {
                return rule.Anti
                    ? new Rejection(host.Id, Constraints.AntiAffinity, $"runs an instance of '{rule.Service}' (anti-affinity)")
                    : new Rejection(host.Id, Constraints.Affinity, $"runs no instance of '{rule.Service}' (affinity)");
            }
        }
        return null;
    }
}

/// <summary>Reservations must fit the host's capacity, counting what is already reserved there.</summary>
public sealed class ReservationsMustFit : IHostFilter
{
    public bool AppliesTo(Services.Service service) => !service.Spec.Scheduling.Reservation.IsNone;

    public Rejection? Check(Services.Service service, HostView host)
    {
        var wanted = service.Spec.Scheduling.Reservation;
        if (wanted.IsNone)
        {
            return null;
        }
        var freeCpu = host.CpuMillis - host.ReservedCpuMillis;
        if (wanted.CpuMillis > freeCpu)
        {
            return new Rejection(host.Id, Constraints.Resources,
                string.Create(CultureInfo.InvariantCulture, $"needs {wanted.CpuMillis}m CPU, {Math.Max(freeCpu, 0)}m free"));
        }
        var freeMemory = host.MemoryBytes - host.ReservedMemoryBytes;
        return wanted.MemoryBytes > freeMemory
            ? new Rejection(host.Id, Constraints.Resources,
                string.Create(CultureInfo.InvariantCulture, $"needs {wanted.MemoryBytes / (1 << 20)} MiB memory, {Math.Max(freeMemory, 0) / (1 << 20)} MiB free"))
            : null;
    }
}

/// <summary>A host's /24 holds 253 instance addresses.</summary>
public sealed class HostNetworkMustHaveRoom : IHostFilter
{
    public bool AppliesTo(Services.Service service) => service.Spec.Run?.NetworkMode is null;

    public Rejection? Check(Services.Service service, HostView host) =>
        AppliesTo(service) && host.Host.Subnet is not null && host.AddressedCount >= Networking.EnvironmentNetwork.InstancesPerHost
            ? new Rejection(host.Id, Constraints.Addresses, $"its network {host.Host.Subnet} has no free address ({Networking.EnvironmentNetwork.InstancesPerHost} instances)")
            : null;
}

/// <summary>A host whose /24 collides with what its machine uses (reported since it registered) takes nothing new.</summary>
public sealed class HostNetworkMustBeClear : IHostFilter
{
    public Rejection? Check(Services.Service service, HostView host) =>
        host.AddressConflict is { } conflict
            ? new Rejection(host.Id, Constraints.Addresses, conflict)
            : null;
}

/// <summary>
/// A service on its host's own network stack runs once per host: two of its instances on one
/// host would listen on the same ports, as two publishers of one port would.
/// </summary>
public sealed class HostNetworkOncePerHost : IHostFilter
{
    public bool AppliesTo(Services.Service service) => service.Spec.Run?.NetworkMode == Services.NetworkModes.Host;

    public Rejection? Check(Services.Service service, HostView host) =>
        service.Spec.Run?.NetworkMode == Services.NetworkModes.Host && host.CountOf(service.Id) > 0
            ? new Rejection(host.Id, Constraints.PortsFree, "an instance of this service already uses the host's network stack there")
            : null;
}

/// <summary>A container on another service's network (<c>service:x</c>) runs beside an instance of that service.</summary>
public sealed class SharedNetworkBesideItsService : IHostFilter
{
    public bool AppliesTo(Services.Service service) => Services.NetworkModes.JoinedService(service.Spec) is not null;

    public Rejection? Check(Services.Service service, HostView host) =>
        Services.NetworkModes.JoinedService(service.Spec) is { } joined && host.CountOfName(joined) == 0
            ? new Rejection(host.Id, Constraints.SharedNetwork, $"runs no instance of '{joined}', whose network this service shares")
            : null;
}

/// <summary>A cpuset names CPUs the host must have: Docker refuses the container otherwise.</summary>
public sealed class CpusetMustExist : IHostFilter
{
    public bool AppliesTo(Services.Service service) => service.Spec.Run?.Cpuset is not null;

    public Rejection? Check(Services.Service service, HostView host) =>
        service.Spec.Run?.Cpuset is { } cpuset && Services.RunOptionsDraft.HighestCpu(cpuset) is var highest && highest >= host.Host.Facts.Cpus
            ? new Rejection(host.Id, Constraints.Resources, $"has {host.Host.Facts.Cpus} CPUs; cpuset '{cpuset}' needs CPU {highest}")
            : null;
}
