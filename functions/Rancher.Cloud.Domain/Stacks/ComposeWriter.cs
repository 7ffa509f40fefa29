using System.Globalization;
using System.Text.RegularExpressions;
using Rancher.Cloud.Domain.Services;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>
/// Writes a stack back as a compose file that imports to the same stack: one spelling per
/// value (long forms only where short ones cannot say it), <c>$</c> escaped as <c>$$</c>.
/// Ignored keys are not written back.
/// </summary>
public static partial class ComposeWriter
{
    public static string Write(StackDefinition stack)
    {
        var root = new YamlMappingNode();
        var services = new YamlMappingNode();
        foreach (var service in stack.Services)
        {
            services.Add(service.Spec.Name, Service(stack, service));
        }
        root.Add("services", services);
        if (stack.Networks.Count > 0)
        {
            root.Add("networks", Declarations(stack.Networks));
        }
        if (stack.Volumes.Count > 0)
        {
            root.Add("volumes", new YamlMappingNode(stack.Volumes.Select(name => new KeyValuePair<YamlNode, YamlNode>(name,
                stack.VolumeLabels.TryGetValue(name, out var labels) ? new YamlMappingNode { { "labels", Mapping(labels) } } : new YamlMappingNode()))));
        }
        if (stack.Secrets.Count > 0)
        {
            var secrets = new YamlMappingNode();
            foreach (var (name, file) in stack.Secrets)
            {
                secrets.Add(name, new YamlMappingNode { { "file", Text(file) } });
            }
            root.Add("secrets", secrets);
        }
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        var text = writer.ToString();
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text.TrimEnd('.', '\n', '\r') + "\n";
    }

    private static YamlMappingNode Service(StackDefinition stack, StackService service)
    {
        var spec = service.Spec;
        var node = new YamlMappingNode();
        if (spec.Alias is { } alias)
        {
            node.Add("image", Text(spec.Image));
            node.Add("links", Sequence(alias));
            return node;
        }
        if (spec.External is { } external)
        {
            node.Add("image", Text(spec.Image));
            if (external.Hostname is { } target)
            {
                node.Add("hostname", Text(target));
            }
            else
            {
                node.Add("external_ips", Sequence(external.Addresses));
            }
            return node;
        }
        var export = new ServiceExport(stack, service);
        foreach (var key in ComposeKeys.All)
        {
            key.Write?.Invoke(node, export);
        }
        return node;
    }

    internal static void WriteBuild(YamlMappingNode node, ServiceExport export)
    {
        if (export.Compose.Build is { } source)
        {
            var buildNode = new YamlMappingNode { { "context", Text(source.Context) } };
            AddIf(buildNode, "dockerfile", source.Dockerfile);
            AddIf(buildNode, "target", source.Target);
            node.Add("build", buildNode);
        }
    }

    internal static void WritePorts(YamlMappingNode node, ServiceExport export)
    {
        if (export.Spec.Ports.Count > 0)
        {
            node.Add("ports", new YamlSequenceNode(export.Spec.Ports.Select(p =>
                (YamlNode)Quoted(string.Create(CultureInfo.InvariantCulture, $"{p.Published}:{p.Target}{(p.Protocol == "tcp" ? "" : "/" + p.Protocol)}")))));
        }
    }

    internal static void WriteExpose(YamlMappingNode node, ServiceExport export)
    {
        if (export.Compose.Expose.Count > 0)
        {
            node.Add("expose", new YamlSequenceNode(export.Compose.Expose.Select(e => (YamlNode)Quoted(e))));
        }
    }

    internal static void WriteMounts(YamlMappingNode node, ServiceExport export) => AddMounts(node, export.Stack, export.Spec.Volumes);

    internal static void WriteHealthCheck(YamlMappingNode node, ServiceExport export)
    {
        if (export.Spec.HealthCheck is { Type: "command" } check)
        {
            node.Add("healthcheck", new YamlMappingNode
            {
                { "test", Sequence(check.Test) },
                { "interval", Durations.Format(check.Interval) },
                { "timeout", Durations.Format(check.Timeout) },
                { "retries", check.Retries.ToString(CultureInfo.InvariantCulture) },
                { "start_period", Durations.Format(check.StartPeriod) },
            });
        }
    }

    /// <summary>A service of the same stack is named as compose names it, by its name alone.</summary>
    internal static void WriteNetworkMode(YamlMappingNode node, ServiceExport export)
    {
        var mode = export.Spec.Run?.NetworkMode;
        var ownStack = $"{Services.NetworkModes.ServicePrefix}{export.Stack.Name}/";
        AddIf(node, "network_mode", mode is not null && mode.StartsWith(ownStack, StringComparison.Ordinal)
            ? Services.NetworkModes.ServicePrefix + mode[ownStack.Length..]
            : mode);
    }

    internal static void WriteDependsOn(YamlMappingNode node, ServiceExport export)
    {
        var dependsOn = export.Compose.DependsOn;
        if (dependsOn.Count > 0)
        {
            node.Add("depends_on", dependsOn.All(d => d.Condition == "service_started")
                ? Sequence(dependsOn.Select(d => d.Service).ToList())
                : new YamlMappingNode(dependsOn.Select(d =>
                    new KeyValuePair<YamlNode, YamlNode>(d.Service, new YamlMappingNode { { "condition", d.Condition } }))));
        }
    }

    internal static void WriteDeploy(YamlMappingNode node, ServiceExport export)
    {
        if (Deploy(export.Service) is { } deploy)
        {
            node.Add("deploy", deploy);
        }
    }

    /// <summary>Volumes and secrets, in the order the service listed them (whichever key came first is written first).</summary>
    private static void AddMounts(YamlMappingNode node, StackDefinition stack, IReadOnlyList<VolumeMount> mounts)
    {
        var volumes = mounts.Where(m => m.Type != "secret").Select(Volume).ToList();
        var secrets = mounts.Where(m => m.Type == "secret").Select(m => Secret(stack, m)).ToList();
        var secretsFirst = mounts.Count > 0 && mounts[0].Type == "secret";
        foreach (var (key, items) in secretsFirst ? [("secrets", secrets), ("volumes", volumes)] : new[] { ("volumes", volumes), ("secrets", secrets) })
        {
            if (items.Count > 0)
            {
                node.Add(key, new YamlSequenceNode(items));
            }
        }
    }

    private static YamlNode Volume(VolumeMount mount)
    {
        var shortForm = mount.Type switch
        {
            "volume" when mount.Source.Length == 0 && !mount.ReadOnly => mount.Target,
            "volume" => $"{mount.Source}:{mount.Target}",
            "bind" when mount.Source.StartsWith('/') || mount.Source.StartsWith('.') => $"{mount.Source}:{mount.Target}",
            _ => null,
        };
        if (shortForm is not null)
        {
            return Text(mount.ReadOnly ? shortForm + ":ro" : shortForm);
        }
        var node = new YamlMappingNode { { "type", mount.Type } };
        AddIf(node, "source", mount.Source.Length > 0 ? mount.Source : null);
        node.Add("target", Text(mount.Target));
        if (mount.ReadOnly)
        {
            node.Add("read_only", "true");
        }
        return node;
    }

    private static YamlNode Secret(StackDefinition stack, VolumeMount mount)
    {
        var name = stack.Secrets.First(s => s.Value == mount.Source).Key;
        return mount.Target == $"/run/secrets/{name}"
            ? Text(name)
            : new YamlMappingNode { { "source", Text(name) }, { "target", Text(mount.Target) } };
    }

    private static YamlMappingNode? Deploy(StackService service)
    {
        var spec = service.Spec;
        var deploy = new YamlMappingNode();
        if (spec.Scheduling.Global && !spec.Labels.ContainsKey(RancherSchedulingLabels.Global))
        {
            deploy.Add("mode", "global");
        }
        else if (!spec.Scheduling.Global && service.Scale != 1)
        {
            deploy.Add("replicas", service.Scale.ToString(CultureInfo.InvariantCulture));
        }
        var resources = new YamlMappingNode();
        if (Resources(spec.Limits.CpuMillis, spec.Limits.MemoryBytes) is { } limits)
        {
            resources.Add("limits", limits);
        }
        var reservation = spec.Scheduling.Reservation;
        if (Resources(reservation.CpuMillis, reservation.MemoryBytes) is { } reservations)
        {
            resources.Add("reservations", reservations);
        }
        if (resources.Children.Count > 0)
        {
            deploy.Add("resources", resources);
        }
        if (service.Policy is { } policy)
        {
            foreach (var (key, config) in new[] { ("update_config", ComposeUpgradeConfig.WriteUpdate(policy)), ("rollback_config", ComposeUpgradeConfig.WriteRollback(policy)) })
            {
                if (config is not null)
                {
                    deploy.Add(key, config);
                }
            }
        }
        return deploy.Children.Count > 0 ? deploy : null;
    }

    private static YamlMappingNode? Resources(int cpuMillis, long memoryBytes)
    {
        var node = new YamlMappingNode();
        if (cpuMillis > 0)
        {
            node.Add("cpus", Quoted((cpuMillis / 1000.0).ToString(CultureInfo.InvariantCulture)));
        }
        if (memoryBytes > 0)
        {
            node.Add("memory", ByteSize.Format(memoryBytes));
        }
        return node.Children.Count > 0 ? node : null;
    }

    private static YamlMappingNode Declarations(IEnumerable<string> names) =>
        new(names.Select(n => new KeyValuePair<YamlNode, YamlNode>(n, new YamlMappingNode())));

    private static YamlSequenceNode Sequence(IReadOnlyList<string> items) =>
        new(items.Select(i => (YamlNode)Text(i))) { Style = items.Count <= 6 ? YamlDotNet.Core.Events.SequenceStyle.Flow : YamlDotNet.Core.Events.SequenceStyle.Block };

    private static YamlMappingNode Mapping(IReadOnlyDictionary<string, string> values) =>
        new(values.Select(v => new KeyValuePair<YamlNode, YamlNode>(v.Key, Text(v.Value))));

    /// <summary>A plain YAML <c>true</c> (not the string "true"), when it is.</summary>
    internal static void AddTrue(YamlMappingNode node, string key, bool value) => AddBoolean(node, key, value ? true : null);

    /// <summary>A plain YAML number, when there is one.</summary>
    internal static void AddNumber(YamlMappingNode node, string key, long? value)
    {
        if (value is { } number)
        {
            node.Add(key, number.ToString(CultureInfo.InvariantCulture));
        }
    }

    internal static void AddBoolean(YamlMappingNode node, string key, bool? value)
    {
        if (value is { } known)
        {
            node.Add(key, known ? "true" : "false");
        }
    }

    internal static void WriteUlimits(YamlMappingNode node, Contracts.RunOptions run)
    {
        if (run.Ulimits.Count > 0)
        {
            node.Add("ulimits", new YamlMappingNode(run.Ulimits.Select(u => new KeyValuePair<YamlNode, YamlNode>(u.Name, u.Soft == u.Hard
                ? new YamlScalarNode(u.Soft.ToString(CultureInfo.InvariantCulture))
                : new YamlMappingNode { { "soft", u.Soft.ToString(CultureInfo.InvariantCulture) }, { "hard", u.Hard.ToString(CultureInfo.InvariantCulture) } }))));
        }
    }

    internal static void WriteTmpfs(YamlMappingNode node, Contracts.RunOptions run)
    {
        if (run.Tmpfs.Count > 0)
        {
            node.Add("tmpfs", Sequence(run.Tmpfs.Select(t => t.Value.Length == 0 ? t.Key : $"{t.Key}:{t.Value}").ToList()));
        }
    }

    internal static void WriteLogging(YamlMappingNode node, Contracts.RunOptions run)
    {
        if (run.Logging is { } logging)
        {
            var written = new YamlMappingNode { { "driver", Text(logging.Driver) } };
            if (logging.Options.Count > 0)
            {
                written.Add("options", Mapping(logging.Options));
            }
            node.Add("logging", written);
        }
    }

    internal static void AddIf(YamlMappingNode node, string key, string? value)
    {
        if (value is not null)
        {
            node.Add(key, Text(value));
        }
    }

    internal static void AddIf(YamlMappingNode node, string key, IReadOnlyList<string>? items)
    {
        if (items is not null)
        {
            node.Add(key, Sequence(items));
        }
    }

    /// <summary>A mapping, unless it is empty.</summary>
    internal static void AddIf(YamlMappingNode node, string key, IReadOnlyDictionary<string, string> values)
    {
        if (values.Count > 0)
        {
            node.Add(key, Mapping(values));
        }
    }

    /// <summary>A string scalar, quoted when a YAML reader would otherwise take it for a number, boolean or null.</summary>
    private static YamlScalarNode Text(string value)
    {
        var escaped = Interpolation.Escape(value);
        return NotPlainText().IsMatch(escaped) || escaped.Length == 0
            ? new YamlScalarNode(escaped) { Style = ScalarStyle.DoubleQuoted }
            : new YamlScalarNode(escaped);
    }

    private static YamlScalarNode Quoted(string value) => new(Interpolation.Escape(value)) { Style = ScalarStyle.DoubleQuoted };

    [GeneratedRegex(@"^(true|false|yes|no|on|off|y|n|null|~|[-+]?[0-9][0-9_.:eE+-]*|\.inf|\.nan)\z", RegexOptions.IgnoreCase)]
    private static partial Regex NotPlainText();
}
