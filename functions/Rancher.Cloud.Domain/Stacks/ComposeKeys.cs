using Rancher.Cloud.Domain.Services;
using static Rancher.Cloud.Domain.Stacks.ComposeWriter;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>
/// Every key a compose service may have, in the order a stack is written back. Reading,
/// writing and the error paths all come from this one table: a new key is one row here, its
/// field in <see cref="ServiceSpec"/>, and its test.
/// </summary>
internal static class ComposeKeys
{
    public static IReadOnlyList<ComposeKey> All { get; } =
    [
        new("image", "image", (r, v) => r.Draft = r.Draft with { Image = v.Text() })
        {
            Write = (n, e) => AddIf(n, "image", e.Compose.Build is null || e.Spec.Image != $"{e.Stack.Name}-{e.Spec.Name}" ? e.Spec.Image : null),
        },
        new("build", "build", (r, v) => r.Details = r.Details with { Build = ServiceReading.Build(v) }) { Write = WriteBuild },
        new("entrypoint", "entrypoint", (r, v) => r.Draft = r.Draft with { Entrypoint = v.Words() })
        {
            Write = (n, e) => AddIf(n, "entrypoint", e.Spec.Entrypoint),
        },
        new("command", "command", (r, v) => r.Draft = r.Draft with { Command = v.Words() })
        {
            Write = (n, e) => AddIf(n, "command", e.Spec.Command.Count > 0 ? e.Spec.Command : null),
        },
        new("environment", "environment", (r, v) => r.ReadEnvironment(v))
        {
            Write = (n, e) => AddIf(n, "environment", e.Spec.Environment),
        },
        new("ports", "ports", (r, v) => ComposePorts.Read(v, r.Ports, r.Lines)) { Write = WritePorts },
        new("expose", "expose", (r, v) => r.Details = r.Details with { Expose = v.Items().Select(i => i.Text()).OfType<string>().ToList() })
        {
            Write = WriteExpose,
        },
        new("volumes", "volumes", (r, v) => ComposeVolumes.Read(v, r.Volumes, r.Lines, r.Declared.Volumes)) { Write = WriteMounts },
        new("secrets", "volumes", (r, v) => ComposeVolumes.ReadSecrets(v, r.Volumes, r.Lines, r.Declared.Secrets)), // written with volumes, in the file's order
        new("labels", "labels", (r, v) => r.ReadLabels(v)) { Write = (n, e) => AddIf(n, "labels", e.Spec.Labels) },
        new("healthcheck", "healthCheck", (r, v) => r.Draft = r.Draft with { HealthCheck = ServiceReading.HealthCheck(v) }) { Write = WriteHealthCheck },
        new("restart", "restart", (r, v) => r.Draft = r.Draft with { Restart = v.Text() }) { Write = (n, e) => AddIf(n, "restart", e.Spec.Restart) },
        new("depends_on", "depends_on", (r, v) => r.Details = r.Details with { DependsOn = ServiceReading.Dependencies(v) }) { Write = WriteDependsOn },
        new("deploy", "deploy", (r, v) => r.ReadDeploy(v)) { Write = WriteDeploy },
        new("scale", "scale", (r, v) => r.Draft = r.Draft with { Scale = v.Number(0, ServiceSpec.MaxScale) }), // written as deploy.replicas
        new("networks", "networks", (r, v) => r.Details = r.Details with { Networks = ServiceReading.Networks(v, r.Declared.Networks) })
        {
            Write = (n, e) => AddIf(n, "networks", e.Compose.Networks.Count > 0 ? e.Compose.Networks : null),
        },
        new("user", "user", (r, v) => r.Draft = r.Draft with { User = v.Text() }) { Write = (n, e) => AddIf(n, "user", e.Spec.User) },
        new("hostname", "hostname", (r, v) => r.Draft = r.Draft with { Hostname = v.Text() }) { Write = (n, e) => AddIf(n, "hostname", e.Spec.Hostname) },
        new("cap_add", "capAdd", (r, v) => r.Draft = r.Draft with { CapAdd = v.Items().Select(i => i.Text()).ToList() })
        {
            Write = (n, e) => AddIf(n, "cap_add", e.Spec.CapAdd.Count > 0 ? e.Spec.CapAdd : null),
        },
        new("stop_signal", "stopSignal", (r, v) => r.Draft = r.Draft with { StopSignal = v.Text() }) { Write = (n, e) => AddIf(n, "stop_signal", e.Spec.StopSignal) },
        new("privileged", "hostAccess.privileged", (r, v) => r.HostAccess = r.HostAccess with { Privileged = v.Boolean() })
        {
            Write = (n, e) => AddTrue(n, "privileged", e.Spec.HostAccess is { Privileged: true }),
        },
        new("pid", "hostAccess.pid", (r, v) => r.HostAccess = r.HostAccess with { Pid = v.Text() }) { Write = (n, e) => AddIf(n, "pid", e.Spec.HostAccess?.Pid) },
        new("ipc", "hostAccess.ipc", (r, v) => r.HostAccess = r.HostAccess with { Ipc = v.Text() }) { Write = (n, e) => AddIf(n, "ipc", e.Spec.HostAccess?.Ipc) },
        new("devices", "hostAccess.devices", (r, v) => r.HostAccess = r.HostAccess with { Devices = v.Items().Select(i => i.Text()).ToList() })
        {
            Write = (n, e) => AddIf(n, "devices", e.Spec.HostAccess is { Devices.Count: > 0 } access ? access.Devices : null),
        },
        // The rest of what docker run can say, as Rancher 1.6 passed it on; what reaches into the host is the policy's to allow.
        Run("working_dir", "workingDir", (r, v) => r.Run with { WorkingDir = v.Text() }, (n, o) => AddIf(n, "working_dir", o.WorkingDir)),
        Run("domainname", "domainname", (r, v) => r.Run with { Domainname = v.Text() }, (n, o) => AddIf(n, "domainname", o.Domainname)),
        Run("tty", "tty", (r, v) => r.Run with { Tty = v.Boolean() }, (n, o) => AddTrue(n, "tty", o.Tty)),
        Run("stdin_open", "stdinOpen", (r, v) => r.Run with { StdinOpen = v.Boolean() }, (n, o) => AddTrue(n, "stdin_open", o.StdinOpen)),
        Run("init", "init", (r, v) => r.Run with { Init = v.Boolean() }, (n, o) => AddBoolean(n, "init", o.Init)),
        Run("read_only", "readOnly", (r, v) => r.Run with { ReadOnly = v.Boolean() }, (n, o) => AddTrue(n, "read_only", o.ReadOnly)),
        Run("extra_hosts", "extraHosts", (r, v) => r.Run with { ExtraHosts = ServiceReading.ExtraHosts(v) }, (n, o) => AddIf(n, "extra_hosts", o.ExtraHosts.Count > 0 ? o.ExtraHosts : null)),
        Run("dns", "dns", (r, v) => r.Run with { Dns = ServiceReading.OneOrMany(v) }, (n, o) => AddIf(n, "dns", o.Dns.Count > 0 ? o.Dns : null)),
        Run("dns_search", "dnsSearch", (r, v) => r.Run with { DnsSearch = ServiceReading.OneOrMany(v) }, (n, o) => AddIf(n, "dns_search", o.DnsSearch.Count > 0 ? o.DnsSearch : null)),
        Run("dns_opt", "dnsOptions", (r, v) => r.Run with { DnsOptions = ServiceReading.OneOrMany(v) }, (n, o) => AddIf(n, "dns_opt", o.DnsOptions.Count > 0 ? o.DnsOptions : null)),
        Run("sysctls", "sysctls", (r, v) => r.Run with { Sysctls = v.PairMap() }, (n, o) => AddIf(n, "sysctls", o.Sysctls)),
        Run("ulimits", "ulimits", (r, v) => r.Run with { Ulimits = ServiceReading.Ulimits(v) }, WriteUlimits),
        Run("tmpfs", "tmpfs", (r, v) => r.Run with { Tmpfs = ServiceReading.Tmpfs(v) }, WriteTmpfs),
        Run("shm_size", "shmSizeBytes", (r, v) => r.Run with { ShmSizeBytes = ByteSize.Parse(v) }, (n, o) => AddIf(n, "shm_size", o.ShmSizeBytes > 0 ? ByteSize.Format(o.ShmSizeBytes) : null)),
        Run("logging", "logging", (r, v) => r.Run with { Logging = ServiceReading.Logging(v) }, WriteLogging),
        Run("security_opt", "securityOpt", (r, v) => r.Run with { SecurityOpt = v.Items().Select(i => i.Text()).ToList() }, (n, o) => AddIf(n, "security_opt", o.SecurityOpt.Count > 0 ? o.SecurityOpt : null)),
        Run("cpu_shares", "cpuShares", (r, v) => r.Run with { CpuShares = v.Number(2, 262_144) }, (n, o) => AddNumber(n, "cpu_shares", o.CpuShares > 0 ? o.CpuShares : null)),
        Run("cpuset", "cpuset", (r, v) => r.Run with { Cpuset = v.Text() }, (n, o) => AddIf(n, "cpuset", o.Cpuset)),
        Run("mem_reservation", "memoryReservationBytes", (r, v) => r.Run with { MemoryReservationBytes = ByteSize.Parse(v) },
            (n, o) => AddIf(n, "mem_reservation", o.MemoryReservationBytes > 0 ? ByteSize.Format(o.MemoryReservationBytes) : null)),
        Run("oom_score_adj", "oomScoreAdj", (r, v) => r.Run with { OomScoreAdj = v.Number(-1000, 1000) }, (n, o) => AddNumber(n, "oom_score_adj", o.OomScoreAdj)),
        Run("group_add", "groupAdd", (r, v) => r.Run with { GroupAdd = v.Items().Select(i => i.Text()).ToList() }, (n, o) => AddIf(n, "group_add", o.GroupAdd.Count > 0 ? o.GroupAdd : null)),
        // compose's older spellings of deploy.resources.limits; written back there.
        new("cpus", "limits", (r, v) => r.Draft = r.Draft with { Limits = new LimitsDraft(ServiceReading.Cpus(v), r.Draft.Limits?.MemoryBytes) }),
        new("mem_limit", "limits", (r, v) => r.Draft = r.Draft with { Limits = new LimitsDraft(r.Draft.Limits?.Cpus, ByteSize.Parse(v)) }),
        // Rancher 1.6's kinds that run nothing: written by the writer's alias and external forms.
        new("links", "alias", (r, v) => r.Links = v),
        new("external_ips", "external", (r, v) => r.ExternalIps = v),
        new("lb_config", "loadBalancer", (r, v) => r.BalancerConfig = v) { Write = ComposeBalancer.Write },
        new("network_mode", "run.networkMode", (r, v) => r.Run = r.Run with { NetworkMode = ServiceReading.NetworkMode(v, r.Stack) }) { Write = WriteNetworkMode },
        Run("pull_policy", "pullPolicy", (r, v) => r.Run with { PullPolicy = v.Text() }, (n, o) => AddIf(n, "pull_policy", o.PullPolicy)),
        new("container_name", "container_name", (r, v) => v.Ignore($"the platform names each instance's container '{r.Name}-<instance id>', since a service may run several")),
        new("platform", "platform", (_, v) =>
        {
            if (v.Text() is "linux/amd64" or "linux/x86_64" or "linux/amd64/v1" or "linux/amd64/v2" or "linux/amd64/v3" or "linux/amd64/v4")
            {
                v.Ignore("every host is linux/amd64");
            }
            else
            {
                v.Error("hosts run linux/amd64; other platforms are not supported");
            }
        }),
    ];

    /// <summary>A key of <c>docker run</c>'s other options: read into the service's <see cref="RunOptionsDraft"/>, written from its <see cref="Contracts.RunOptions"/>.</summary>
    private static ComposeKey Run(
        string name, string field, Func<ServiceReading, ComposeNode, RunOptionsDraft> read, Action<YamlDotNet.RepresentationModel.YamlMappingNode, Contracts.RunOptions> write) =>
        new(name, $"run.{field}", (r, v) => r.Run = read(r, v))
        {
            Write = (n, e) =>
            {
                if (e.Spec.Run is { } run)
                {
                    write(n, run);
                }
            },
        };

    private static readonly Dictionary<string, ComposeKey> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>The key's row; an <c>x-</c> extension is ignored, anything else is refused by name.</summary>
    public static ComposeKey Find(string name) =>
        ByName.TryGetValue(name, out var key) ? key
        : name.StartsWith("x-", StringComparison.Ordinal) ? new(name, name, ComposeKey.Ignored("extension fields are for the file's own anchors"))
        : new(name, name, (_, v) => v.Error($"'{name}' is not supported for services"));
}
