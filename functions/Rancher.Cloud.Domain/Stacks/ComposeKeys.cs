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
            Write = (n, e) =>
            {
                if (e.Spec.HostAccess is { Privileged: true })
                {
                    n.Add("privileged", "true"); // a plain YAML boolean, not the string "true"
                }
            },
        },
        new("pid", "hostAccess.pid", (r, v) => r.HostAccess = r.HostAccess with { Pid = v.Text() }) { Write = (n, e) => AddIf(n, "pid", e.Spec.HostAccess?.Pid) },
        new("ipc", "hostAccess.ipc", (r, v) => r.HostAccess = r.HostAccess with { Ipc = v.Text() }) { Write = (n, e) => AddIf(n, "ipc", e.Spec.HostAccess?.Ipc) },
        new("devices", "hostAccess.devices", (r, v) => r.HostAccess = r.HostAccess with { Devices = v.Items().Select(i => i.Text()).ToList() })
        {
            Write = (n, e) => AddIf(n, "devices", e.Spec.HostAccess is { Devices.Count: > 0 } access ? access.Devices : null),
        },
        // Rancher 1.6's kinds that run nothing: written by the writer's alias and external forms.
        new("links", "alias", (r, v) => r.Links = v),
        new("external_ips", "external", (r, v) => r.ExternalIps = v),
        new("network_mode", "network_mode", (_, v) => v.Error(v.Text() is "host"
            ? "containers join the environment's network, which spans its hosts; 'network_mode: host' is not supported"
            : "'network_mode' is not supported for services")),
        new("container_name", "container_name", (r, v) => v.Ignore($"the platform names each instance's container '{r.Name}-<instance id>', since a service may run several")),
        new("platform", "platform", (_, v) =>
        {
            if (v.Text() is "linux/amd64" or "linux/x86_64")
            {
                v.Ignore("every host is linux/amd64");
            }
            else
            {
                v.Error("hosts run linux/amd64; other platforms are not supported");
            }
        }),
    ];

    private static readonly Dictionary<string, ComposeKey> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>The key's row; an <c>x-</c> extension is ignored, anything else is refused by name.</summary>
    public static ComposeKey Find(string name) =>
        ByName.TryGetValue(name, out var key) ? key
        : name.StartsWith("x-", StringComparison.Ordinal) ? new(name, name, ComposeKey.Ignored("extension fields are for the file's own anchors"))
        : new(name, name, (_, v) => v.Error($"'{name}' is not supported for services"));
}
