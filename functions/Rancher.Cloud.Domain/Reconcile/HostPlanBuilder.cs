using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Reconcile;

/// <summary>Turns the instances placed on a host into that host's plan.</summary>
public static class HostPlanBuilder
{
    /// <param name="instancesOnHost">What the host runs.</param>
    /// <param name="services">The environment's services by id.</param>
    /// <param name="balancers">What each balancer service's instances run, by service id (<see cref="Balancers"/>).</param>
    /// <param name="balancerImage">The image balancer instances run: the environment's setting.</param>
    public static IReadOnlyList<PlannedContainer> Containers(
        IEnumerable<Instance> instancesOnHost, IReadOnlyDictionary<string, Service> services,
        IReadOnlyDictionary<string, PlannedBalancer>? balancers = null, string balancerImage = Balancing.BalancerService.DefaultImage)
    {
        var here = instancesOnHost.OrderBy(i => i.Id, StringComparer.Ordinal).ToList();
        // A service that shares another's network joins that service's lowest slot here.
        var firstByName = here
            .GroupBy(i => services[i.ServiceId].Spec.QualifiedName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.MinBy(i => i.Slot)!.Id, StringComparer.Ordinal);
        return here
            .Select(i =>
            {
                var service = services[i.ServiceId];
                if (service.Spec.Balancer is not null)
                {
                    // The rules and members stay outside the spec hash: a change of them reloads HAProxy, never makes the container anew.
                    return Container(i, service with { Spec = service.Spec with { Image = balancerImage } }) with
                    {
                        Balancer = balancers?.GetValueOrDefault(service.Id),
                    };
                }
                return Container(i, service, NetworkModes.JoinedService(service.Spec) is { } joined ? firstByName.GetValueOrDefault(joined) : null);
            })
            .ToList();
    }

    /// <summary>What each balancer service's instances run, by service id: computed once per step, from where the targets answer.</summary>
    /// <param name="services">The environment's services by id.</param>
    /// <param name="answering">Instances that may be sent traffic, by service id.</param>
    /// <param name="placed">Services with instances on some host: only their balancers are planned (a step may run hundreds of times).</param>
    /// <param name="certificates">The environment's certificates' versions by name.</param>
    /// <param name="challenges">ACME challenges being proven: balancers with an http listener answer them.</param>
    public static IReadOnlyDictionary<string, PlannedBalancer> Balancers(
        IReadOnlyDictionary<string, Service> services, ILookup<string, Instance> answering, ISet<string> placed, IReadOnlyDictionary<string, string>? certificates = null,
        IReadOnlyList<PlannedChallenge>? challenges = null)
    {
        var live = services.Values.Where(s => !s.Deleting).ToList();
        if (!live.Any(s => s.Spec.Balancer is not null && placed.Contains(s.Id)))
        {
            return new Dictionary<string, PlannedBalancer>();
        }
        var byName = live.GroupBy(s => s.Spec.QualifiedName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        return live.Where(s => s.Spec.Balancer is not null && placed.Contains(s.Id))
            .ToDictionary(s => s.Id, s => Balancing.BalancerPlan.Of(s.Spec, byName, answering, certificates, CookieKeyOf(s), challenges), StringComparer.Ordinal);
    }

    public static PlannedContainer Container(Instance instance, Service service, string? joinsInstance = null) =>
        Container(instance, service.Id, service.SpecOf(instance), joinsInstance);

    /// <summary>What an instance of <paramref name="spec"/> runs; its launch configuration's hash is the container's <see cref="PlannedContainer.SpecHash"/>.</summary>
    public static PlannedContainer Container(Instance instance, string serviceId, ServiceSpec spec, string? joinsInstance = null)
    {
        var ports = spec.Ports.Select(p => new PlannedPort(p.Published, p.Target, p.Protocol)).ToList();
        var environment = new SortedDictionary<string, string>(spec.Environment.ToDictionary(), StringComparer.Ordinal);
        var labels = new SortedDictionary<string, string>(spec.Labels.ToDictionary(), StringComparer.Ordinal)
        {
            [Labels.StackService] = spec.QualifiedName,
        };
        var unhashed = new PlannedContainer("", serviceId, spec.Name, spec.Image, spec.Command, environment, ports, "")
        {
            Stack = spec.Stack,
            Entrypoint = spec.Entrypoint,
            Labels = labels,
            Mounts = spec.Volumes.Select(v => Mount(spec, v)).ToList(),
            HealthCheck = spec.HealthCheck is { } check ? HealthCheckOf(check) : null,
            Restart = spec.Restart ?? "unless-stopped",
            User = spec.User,
            Hostname = spec.Hostname,
            CapAdd = spec.CapAdd,
            StopSignal = spec.StopSignal,
            CpuLimitMillis = spec.Limits.CpuMillis,
            MemoryLimitBytes = spec.Limits.MemoryBytes,
            HostAccess = spec.HostAccess,
            Run = spec.Run,
            JoinsInstance = joinsInstance,
        };
        // Everything the container is made from, so any change recreates it.
        // The address too: a container moved to another address is a new container.
        unhashed = unhashed with { Address = instance.Address };
        return unhashed with { InstanceId = instance.Id, SpecHash = Hash(JsonSerializer.Serialize(unhashed)) };
    }

    private static PlannedMount Mount(ServiceSpec spec, VolumeMount volume) =>
        new(volume.Type, volume.NameOn(spec.Stack), volume.Target, volume.ReadOnly)
        {
            Labels = volume.Labels,
        };

    private static PlannedHealthCheck HealthCheckOf(HealthCheck check) =>
        new(check.Type, check.Test, check.Port, check.Path,
            (int)check.Interval.TotalMilliseconds, (int)check.Timeout.TotalMilliseconds, check.Retries, (int)check.StartPeriod.TotalMilliseconds);

    /// <summary>A balancer's cookie key: from its random id and creation time, which no client sees; hex, so one HAProxy word.</summary>
    private static string CookieKeyOf(Service service) => Hash($"cookie/{service.Id}/{service.CreatedAt.ToUnixTimeMilliseconds()}");

    /// <summary>Every host that can be a peer: one with a /24 and a tunnel key, until it is removed. Computed once per step.</summary>
    public static IReadOnlyList<PlannedPeer> Peers(IEnumerable<Hosts.Host> hosts) =>
        hosts
            .Where(h => h.Mode != Hosts.HostMode.Removed && h.Subnet is not null
                        && h.Facts.WireGuardPublicKey is not null && h.Facts.Endpoint is not null)
            .OrderBy(h => h.Id, StringComparer.Ordinal)
            .Select(h => new PlannedPeer(h.Id, h.Facts.WireGuardPublicKey!, h.Facts.Endpoint!, h.Subnet!))
            .ToList();

    /// <summary>The host's part of the environment network, when the host has a /24 of it; its peers are all the others.</summary>
    public static PlannedNetwork? Network(string environmentId, Hosts.Host host, string? environmentCidr, IReadOnlyList<PlannedPeer> peers)
    {
        if (host.Subnet is not { } subnet || environmentCidr is null)
        {
            return null;
        }
        var cidr = Networking.Ipv4Cidr.Parse(subnet);
        return new PlannedNetwork($"rancher-{environmentId}", environmentCidr, subnet, Networking.Ipv4Cidr.Format(cidr.At(1)), PlannedNetwork.DefaultMtu)
        {
            Peers = peers.Where(p => p.HostId != host.Id).ToList(),
        };
    }

    /// <summary>
    /// A hash of what every host's plan shares (all peers, the DNS names), computed once per step
    /// instead of once per host: a large environment's names are serialized once.
    /// </summary>
    /// <param name="peers">Every peer of the environment.</param>
    /// <param name="dns">The environment's names.</param>
    /// <param name="length">How long the shared part is in JSON: every plan of the step carries about that much.</param>
    public static string SharedHash(IReadOnlyList<PlannedPeer> peers, PlannedDns? dns, out int length)
    {
        var json = JsonSerializer.Serialize(peers) + (dns is null ? "" : JsonSerializer.Serialize(dns));
        length = json.Length;
        return Hash(json);
    }

    /// <summary>
    /// A stable hash of a plan's content, independent of its version. The network's peers and the
    /// DNS names are covered by <paramref name="shared"/>, the step's <see cref="SharedHash"/>.
    /// </summary>
    /// <param name="containers">The host's containers.</param>
    /// <param name="network">The host's network, without its peers.</param>
    /// <param name="shared">The step's <see cref="SharedHash"/>.</param>
    /// <param name="length">How long the host's own part of its plan is in JSON (without the shared peers and names).</param>
    public static string ContentHash(IReadOnlyList<PlannedContainer> containers, PlannedNetwork? network, string? shared, out int length)
    {
        var own = JsonSerializer.Serialize(containers) + (network is null ? "" : JsonSerializer.Serialize(network with { Peers = [] }));
        length = own.Length;
        return Hash(own + (network is null ? "" : shared));
    }

    private static string Hash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
