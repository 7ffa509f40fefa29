using System.Globalization;
using Docker.DotNet.Models;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent;

/// <summary>How a planned container becomes Docker's create parameters.</summary>
public static class ContainerSpec
{
    /// <summary>
    /// One name per instance: Docker refuses a second container with the same name, so an
    /// agent killed mid-create can never leave a duplicate behind.
    /// </summary>
    public static string NameOf(PlannedContainer planned) => $"{planned.ServiceName}-{planned.InstanceId}";

    /// <summary>Where a service's relative bind paths and secret files live on this host: its stack's folder.</summary>
    public static string FolderOf(string stateDir, PlannedContainer planned) =>
        planned.Stack is { } stack ? Path.Combine(stateDir, "stacks", stack) : Path.Combine(stateDir, "services", planned.ServiceName);

    /// <summary><c>/dev/x[:/dev/y[:rwm]]</c>, as <c>docker run --device</c> reads it.</summary>
    private static DeviceMapping Device(string device)
    {
        var parts = device.Split(':');
        return new DeviceMapping
        {
            PathOnHost = parts[0],
            PathInContainer = parts.Length > 1 ? parts[1] : parts[0],
            CgroupPermissions = parts.Length > 2 ? parts[2] : "rwm",
        };
    }

    public static CreateContainerParameters ToCreate(
        string hostId, PlannedContainer planned, string stateDir, PlannedNetwork? network = null, PlannedDns? dns = null, string? joinsContainer = null)
    {
        var ports = planned.Ports.ToDictionary(p => PortKey(p), p => p, StringComparer.Ordinal);
        var labels = new Dictionary<string, string>(planned.Labels, StringComparer.Ordinal)
        {
            [Labels.Instance] = planned.InstanceId,
            [Labels.Service] = planned.ServiceId,
            [Labels.Host] = hostId,
            [Labels.SpecHash] = planned.SpecHash,
        };
        var create = new CreateContainerParameters
        {
            Name = NameOf(planned),
            Image = planned.Image,
            Env = planned.Environment.Select(e => $"{e.Key}={e.Value}").ToList(),
            Labels = labels,
            ExposedPorts = ports.Keys.ToDictionary(k => k, _ => new EmptyStruct(), StringComparer.Ordinal),
            // HAProxy's own image runs as an unprivileged user that cannot make the agent's sockets; the balancer binds its ports as root.
            User = planned.User ?? (planned.Balancer is null ? "" : "0"),
            Hostname = planned.Hostname ?? "",
            // HAProxy's soft stop: it stops listening and lets its connections finish.
            StopSignal = planned.StopSignal ?? (planned.Balancer is null ? "" : "SIGUSR1"),
            // A balancer's connections may finish for its drain timeout before Docker kills it.
            StopTimeout = planned.Balancer is { } balancer ? TimeSpan.FromSeconds(Math.Ceiling(Math.Max(balancer.DrainTimeoutMs, 1_000) / 1000.0)) : null,
            HostConfig = new HostConfig
            {
                PortBindings = ports.ToDictionary(
                    p => p.Key,
                    p => (IList<PortBinding>)[new PortBinding { HostPort = p.Value.Published.ToString(CultureInfo.InvariantCulture) }],
                    StringComparer.Ordinal),
                // Docker restarts crashed containers at once; the agent handles everything else.
                RestartPolicy = new RestartPolicy { Name = RestartPolicyOf(planned.Restart) },
                // Binds rather than bind mounts: Docker creates a missing source folder, as compose does.
                Binds = [.. planned.Mounts.Where(m => m.Type is "bind" or "secret").Select(m => Bind(stateDir, planned, m)),
                    .. planned.Balancer is null ? [] : Balancing.BalancerFolder.Of(stateDir, planned.InstanceId).Binds],
                Mounts = planned.Mounts.Where(m => m.Type is "volume" or "tmpfs").Select(m => new Mount
                {
                    Type = m.Type,
                    Source = m.Source.Length > 0 ? m.Source : null,
                    Target = m.Target,
                    ReadOnly = m.ReadOnly,
                }).ToList(),
                CapAdd = [.. planned.CapAdd],
                Privileged = planned.HostAccess?.Privileged ?? false,
                PidMode = planned.HostAccess?.Pid ?? "",
                IpcMode = planned.HostAccess?.Ipc ?? "",
                Devices = planned.HostAccess?.Devices.Select(Device).ToList() ?? [],
                NanoCPUs = planned.CpuLimitMillis * 1_000_000L,
                Memory = planned.MemoryLimitBytes,
            },
        };
        if (planned.Command.Count == 0 && planned.Balancer is not null)
        {
            create.Cmd = [.. Balancing.BalancerFolder.Command]; // the agent's own way of running HAProxy, whatever the image says
        }
        else if (planned.Command.Count > 0)
        {
            create.Cmd = [.. planned.Command]; // otherwise the image's own command
        }
        if (planned.Entrypoint is { } entrypoint)
        {
            create.Entrypoint = [.. entrypoint];
        }
        if (planned.Run is { } run)
        {
            ApplyRun(create, run);
        }
        if (joinsContainer is not null)
        {
            // Another service's network (service:x): the network namespace of its container on this host.
            create.HostConfig.NetworkMode = $"container:{joinsContainer}";
        }
        else if (planned.Run?.NetworkMode is { } mode)
        {
            // The host's own network stack, or none: not on the environment network, and no names from its responder.
            create.HostConfig.NetworkMode = mode;
        }
        else if (network is not null && planned.Address is { } address)
        {
            // On the environment network at the address the control plane gave the instance.
            create.HostConfig.NetworkMode = network.Name;
            create.NetworkingConfig = new NetworkingConfig
            {
                EndpointsConfig = new Dictionary<string, EndpointSettings>
                {
                    [network.Name] = new() { IPAMConfig = new EndpointIPAMConfig { IPv4Address = address } },
                },
            };
            if (dns is not null)
            {
                // Names resolve within the stack first, then the environment; "web.shop" has one dot, so
                // ndots:2 tries the search domains before asking upstream.
                // The service's own servers, domains and options come after the platform's.
                create.HostConfig.DNS = [network.Gateway, .. create.HostConfig.DNS ?? []];
                create.HostConfig.DNSSearch = [$"{planned.Stack ?? PlannedDns.DefaultStack}.{dns.Domain}", dns.Domain, .. create.HostConfig.DNSSearch ?? []];
                create.HostConfig.DNSOptions = ["ndots:2", .. create.HostConfig.DNSOptions ?? []];
            }
        }
        return create;
    }

    /// <summary>The rest of what docker run can say, as Docker's create parameters name it.</summary>
    private static void ApplyRun(CreateContainerParameters create, RunOptions run)
    {
        create.Tty = run.Tty;
        create.OpenStdin = run.StdinOpen;
        create.WorkingDir = run.WorkingDir ?? "";
        create.Domainname = run.Domainname ?? "";
        var host = create.HostConfig!;
        host.Init = run.Init;
        host.ReadonlyRootfs = run.ReadOnly;
        host.ExtraHosts = [.. run.ExtraHosts];
        host.DNS = [.. run.Dns];
        host.DNSSearch = [.. run.DnsSearch];
        host.DNSOptions = [.. run.DnsOptions];
        host.Sysctls = run.Sysctls.ToDictionary(StringComparer.Ordinal);
        host.Ulimits = run.Ulimits.Select(u => new Docker.DotNet.Models.Ulimit { Name = u.Name, Soft = u.Soft, Hard = u.Hard }).ToList();
        host.Tmpfs = run.Tmpfs.ToDictionary(StringComparer.Ordinal);
        host.ShmSize = run.ShmSizeBytes;
        if (run.Logging is { } logging)
        {
            host.LogConfig = new Docker.DotNet.Models.LogConfig { Type = logging.Driver, Config = logging.Options.ToDictionary(StringComparer.Ordinal) };
        }
        host.SecurityOpt = [.. run.SecurityOpt];
        host.CPUShares = run.CpuShares;
        host.CpusetCpus = run.Cpuset ?? "";
        host.MemoryReservation = run.MemoryReservationBytes;
        host.OomScoreAdj = run.OomScoreAdj ?? 0;
        host.GroupAdd = [.. run.GroupAdd];
    }

    private static string Bind(string stateDir, PlannedContainer planned, PlannedMount mount)
    {
        var source = mount.Source.StartsWith('/') ? mount.Source : Path.GetFullPath(Path.Combine(FolderOf(stateDir, planned), mount.Source));
        return mount.ReadOnly ? $"{source}:{mount.Target}:ro" : $"{source}:{mount.Target}";
    }

    private static RestartPolicyKind RestartPolicyOf(string restart) => restart switch
    {
        "no" => RestartPolicyKind.No,
        "always" => RestartPolicyKind.Always,
        "on-failure" => RestartPolicyKind.OnFailure,
        _ => RestartPolicyKind.UnlessStopped,
    };

    private static string PortKey(PlannedPort port) => $"{port.Target}/{port.Protocol}";
}
