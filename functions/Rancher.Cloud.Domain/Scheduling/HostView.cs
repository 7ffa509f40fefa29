using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Scheduling;

/// <summary>
/// A host as the scheduler sees it during one pass: its state and what is already placed on
/// it. Placements made during the pass are added, so later decisions see them.
/// </summary>
public sealed class HostView
{
    private readonly Dictionary<(int Port, string Protocol), string> publishedBy = [];
    private readonly Dictionary<string, int> countByService = new(StringComparer.Ordinal);

    public HostView(Host host, HostState state)
    {
        Host = host;
        State = state;
    }

    public Host Host { get; }

    public HostState State { get; }

    public string Id => Host.Id;

    public int InstanceCount { get; private set; }

    public int CountOf(string serviceId) => countByService.GetValueOrDefault(serviceId);

    /// <summary>The name of the service that publishes this port here, if any.</summary>
    public string? PublisherOf(PortMapping port) => publishedBy.GetValueOrDefault((port.Published, port.Protocol));

    public void Remove(Service service)
    {
        InstanceCount--;
        countByService[service.Id] = CountOf(service.Id) - 1;
        foreach (var port in service.Spec.Ports)
        {
            publishedBy.Remove((port.Published, port.Protocol));
        }
    }

    public void Add(Service service)
    {
        InstanceCount++;
        countByService[service.Id] = CountOf(service.Id) + 1;
        foreach (var port in service.Spec.Ports)
        {
            publishedBy[(port.Published, port.Protocol)] = service.Spec.Name;
        }
    }
}
