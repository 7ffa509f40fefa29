using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Scheduling;

/// <summary>
/// A host as the scheduler sees it during one pass: its state, labels and capacity, and what is
/// already placed on it. Placements made during the pass are added, so later decisions see them.
/// </summary>
public sealed class HostView
{
    private readonly Dictionary<(int Port, string Protocol), string> publishedBy = [];
    private readonly Dictionary<string, int> countByService = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> countByName = new(StringComparer.Ordinal);

    public HostView(Host host, HostState state)
    {
        Host = host;
        State = state;
        CpuMillis = host.Facts.Cpus * 1000;
        MemoryBytes = host.Facts.MemoryBytes;
        AddressConflict = Networking.MachineRanges.ConflictOf(host.Subnet, host.Facts.UsedRanges);
    }

    /// <summary>Why the host's /24 collides with what its machine uses, or null; parsed once per pass, not per placement.</summary>
    public string? AddressConflict { get; }

    public Host Host { get; }

    public HostState State { get; }

    public string Id => Host.Id;

    /// <summary>Which hosts (not removed) hold each named volume, shared by the pass's views; null when none was told.</summary>
    public ILookup<string, string>? VolumeHomes { get; init; }

    public IReadOnlyDictionary<string, string>? Labels => Host.Facts.Labels;

    public int CpuMillis { get; }

    public long MemoryBytes { get; }

    public int ReservedCpuMillis { get; private set; }

    public long ReservedMemoryBytes { get; private set; }

    public int InstanceCount { get; private set; }

    /// <summary>Instances with an address of the host's /24 (not those on the host's network, none, or another's).</summary>
    public int AddressedCount { get; private set; }

    public int CountOf(string serviceId) => countByService.GetValueOrDefault(serviceId);

    /// <summary>Instances of the service named <paramref name="serviceName"/> (<c>stack/service</c> in a stack) here: affinity rules name services.</summary>
    public int CountOfName(string serviceName) => countByName.GetValueOrDefault(serviceName);

    /// <summary>The name of the service that publishes this port here, if any.</summary>
    public string? PublisherOf(PortMapping port) => publishedBy.GetValueOrDefault((port.Published, port.Protocol));

    public void Remove(Service service) => Change(service, -1);

    public void Add(Service service) => Change(service, +1);

    private void Change(Service service, int by)
    {
        InstanceCount += by;
        AddressedCount += service.Spec.Run?.NetworkMode is null ? by : 0;
        countByService[service.Id] = CountOf(service.Id) + by;
        var name = service.Spec.QualifiedName;
        countByName[name] = CountOfName(name) + by;
        var reservation = service.Spec.Scheduling.Reservation;
        ReservedCpuMillis += by * reservation.CpuMillis;
        ReservedMemoryBytes += by * reservation.MemoryBytes;
        foreach (var port in service.Spec.Ports)
        {
            if (by > 0)
            {
                publishedBy[(port.Published, port.Protocol)] = service.Spec.Name;
            }
            else
            {
                publishedBy.Remove((port.Published, port.Protocol));
            }
        }
    }
}
