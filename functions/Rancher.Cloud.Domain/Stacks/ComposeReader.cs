using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>What a compose file declares at the top level, which its services refer to.</summary>
public sealed record StackDeclarations(ISet<string> Networks, ISet<string> Volumes, IReadOnlyDictionary<string, string> Secrets);

/// <summary>
/// Reads a compose file into a <see cref="StackDefinition"/>. Every refusal names its path in the
/// file and its line; keys that cannot change behaviour are accepted and listed as ignored;
/// nothing is returned unless the whole file is valid.
/// </summary>
public static class ComposeReader
{
    /// <summary>Compose files are small; a bigger one is a mistake, not a stack.</summary>
    public const int MaxLength = 256 * 1024;

    /// <param name="stack">The stack's name.</param>
    /// <param name="text">The compose file.</param>
    /// <param name="variables">Values for <c>${VAR}</c>.</param>
    /// <param name="policy">The environment's host-access policy, applied to every service as the API applies it.</param>
    /// <param name="environment">The environment's services outside this stack, which a balancer may name and whose ports it must not take.</param>
    /// <param name="certificates">The environment's certificate names, which a balancer may name; null skips that check.</param>
    public static Outcome<StackDefinition> Read(
        string stack, string? text, IReadOnlyDictionary<string, string>? variables, PolicyLevel policy = PolicyLevel.Baseline,
        IReadOnlyCollection<ServiceSpec>? environment = null, IReadOnlyCollection<string>? certificates = null)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Failure.Invalid(FieldErrors.Of("compose", "is required: the text of a docker-compose file"));
        }
        if (text.Length > MaxLength)
        {
            return Failure.Invalid(FieldErrors.Of("compose", $"must be at most {MaxLength / 1024} KiB"));
        }
        if (ComposeBudget.Check(text) is { } tooMuch)
        {
            return Failure.Invalid(FieldErrors.Of("compose", tooMuch));
        }
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            return Failure.Invalid(FieldErrors.Of("compose", $"line {e.Start.Line}, column {e.Start.Column}: not valid YAML: {e.Message}"));
        }
        catch (ArgumentException e)
        {
            // YamlDotNet's node loader throws this for some broken documents (an empty key with no value, found by fuzzing).
            return Failure.Invalid(FieldErrors.Of("compose", $"not valid YAML: {e.Message}"));
        }
        if (yaml.Documents.Count != 1)
        {
            return Failure.Invalid(FieldErrors.Of("compose", "must hold exactly one YAML document"));
        }
        var context = new ComposeContext(variables ?? new Dictionary<string, string>());
        var root = new ComposeNode(yaml.Documents[0].RootNode, "", context);
        var definition = ReadRoot(stack, root, policy, environment ?? [], certificates);
        return context.Errors.IsEmpty && definition is not null
            ? definition with { Ignored = Capped(context.Ignored), Warnings = Capped(context.Warnings) }
            : Failure.Invalid(context.Errors);
    }

    /// <summary>Notes kept with a stack; a file that earns thousands says so in one line instead.</summary>
    public const int MaxNotes = 100;

    private static List<string> Capped(List<string> notes) =>
        notes.Count <= MaxNotes ? notes : [.. notes.Take(MaxNotes), $"... and {notes.Count - MaxNotes} more like these"];

    private static StackDefinition? ReadRoot(string stack, ComposeNode root, PolicyLevel policy, IReadOnlyCollection<ServiceSpec> environment, IReadOnlyCollection<string>? certificates)
    {
        if (!root.IsMapping)
        {
            root.Error("a compose file is a mapping with a 'services' key");
            return null;
        }
        var entries = root.Entries();
        var networks = new SortedSet<string>(StringComparer.Ordinal);
        var volumes = new SortedSet<string>(StringComparer.Ordinal);
        var volumeLabels = new SortedDictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        var secrets = new SortedDictionary<string, string>(StringComparer.Ordinal);
        ComposeNode? servicesNode = null;
        foreach (var (key, value) in entries)
        {
            switch (key)
            {
                case "services":
                    servicesNode = value;
                    break;
                case "networks":
                    ReadNetworks(value, networks);
                    break;
                case "volumes":
                    ReadVolumes(value, volumes, volumeLabels);
                    break;
                case "secrets":
                    ReadSecrets(value, secrets);
                    break;
                case "version" or "name":
                    value.Ignore(key == "version" ? "the compose specification has no versions" : "the stack's name is given with the request");
                    break;
                case var extension when extension.StartsWith("x-", StringComparison.Ordinal):
                    break; // anchors for the rest of the file
                default:
                    value.Error($"'{key}' is not supported at the top level (services, networks, volumes, secrets)");
                    break;
            }
        }
        if (servicesNode is null || servicesNode.IsNull)
        {
            root.Error("'services' is required");
            return null;
        }
        var declared = new StackDeclarations(networks, volumes, secrets);
        var read = servicesNode.Entries().Select(e => ComposeService.Read(stack, e.Key, e.Value, declared)).ToList();
        if (read.Count > StackDefinition.MaxServices)
        {
            servicesNode.Error($"a stack has at most {StackDefinition.MaxServices} services");
        }
        var services = new List<StackService>();
        foreach (var service in read)
        {
            var checkedSpec = ServiceSpec.From(service.Draft);
            if (checkedSpec.Failure is { Fields: { } errors })
            {
                AddByLine(root, service, errors);
                continue;
            }
            var (spec, scale) = checkedSpec.Value;
            var refusedPolicy = new FieldErrors();
            var upgradePolicy = Upgrades.UpgradePolicyDraft.Check(service.Draft.UpgradePolicy, Upgrades.UpgradePolicy.Default, "upgradePolicy", refusedPolicy);
            if (!refusedPolicy.IsEmpty)
            {
                AddByLine(root, service, refusedPolicy);
                continue;
            }
            if (HostAccessPolicy.Check(spec, policy, new FieldErrors()) is { IsEmpty: false } refused)
            {
                AddByLine(root, service, refused);
                continue;
            }
            foreach (var bind in spec.Volumes.Where(v => v.IsRelativeBind && v.Type == "bind"))
            {
                root.Context.Warnings.Add($"{service.Node.Path}.volumes: '{bind.Source}' is mounted from the stack's folder on each host (<agent state>/stacks/{stack}/{bind.Source.TrimStart('.', '/')}); put its files there");
            }
            // A named volume declared with labels is created with them on each host.
            var stored = spec with
            {
                Stack = stack,
                Compose = service.Details,
                Volumes = spec.Volumes.Select(v => v.Type == "volume" && volumeLabels.TryGetValue(v.Source, out var labels) ? v with { Labels = labels } : v).ToList(),
            };
            if (ServiceSpec.TooLargeToStore(stored) is { } tooLarge)
            {
                root.Context.Errors.Add(service.Node.Path, $"line {service.Node.Line}: {tooLarge}");
                continue;
            }
            services.Add(new StackService(stored, scale) { Policy = service.Draft.UpgradePolicy is null ? null : upgradePolicy });
        }
        // Services of a stack share its folder on each host: the policy looks at their binds together.
        var readSpecs = services.Select(s => s.Spec).ToList();
        foreach (var (index, field, reason) in HostAccessPolicy.CheckFolder(readSpecs, policy))
        {
            var service = read.First(r => r.Name == readSpecs[index].Name);
            root.Context.Errors.Add($"{service.Node.Path}.{field}", $"line {LineOf(service, field)}: {reason}");
        }
        CheckDependencies(read, root);
        CheckSharedNetworks(stack, read, readSpecs, root);
        var everyService = environment.Where(s => s.Stack != stack).Concat(readSpecs).ToList();
        foreach (var spec in root.Context.Errors.IsEmpty && everyService.Any(s => s.Balancer is not null) ? readSpecs : [])
        {
            if (Balancing.BalancerTargets.Check(spec, everyService, certificates) is { IsEmpty: false } refused)
            {
                AddByLine(root, read.First(r => r.Name == spec.Name), refused);
            }
        }
        return new StackDefinition(stack, services, [.. networks], [.. volumes], secrets) { VolumeLabels = volumeLabels };
    }

    /// <summary>The service's field errors, each under its path in the file and with its line.</summary>
    private static void AddByLine(ComposeNode root, ComposeService service, FieldErrors errors)
    {
        foreach (var (field, reasons) in errors.ToDictionary())
        {
            var line = LineOf(service, field);
            foreach (var reason in reasons)
            {
                root.Context.Errors.Add($"{service.Node.Path}.{field}", $"line {line}: {reason}");
            }
        }
    }

    /// <summary>The line of the longest draft field path that is a prefix of <paramref name="field"/>.</summary>
    private static int LineOf(ComposeService service, string field)
    {
        for (var path = field; path.Length > 0;)
        {
            if (service.Lines.TryGetValue(path, out var line))
            {
                return line;
            }
            var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
            path = cut < 0 ? "" : path[..cut];
        }
        return service.Node.Line;
    }

    /// <summary>
    /// <c>network_mode: service:x</c> names a service of this file that has a network of its own:
    /// Docker joins a container to another's network, not to one that is itself joined.
    /// </summary>
    private static void CheckSharedNetworks(string stack, List<ComposeService> services, List<ServiceSpec> specs, ComposeNode root)
    {
        var byName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var specByName = specs.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var service in services)
        {
            // Another stack's service (service:stack/name) is found, or not, when instances are placed.
            if (NetworkModes.JoinedService(service.Draft.Run?.NetworkMode) is not { } joined || !joined.StartsWith($"{stack}/", StringComparison.Ordinal))
            {
                continue;
            }
            var name = joined[(stack.Length + 1)..];
            var reason = !byName.TryGetValue(name, out var target) ? $"'{name}' is not a service of this file"
                : target == service ? "names this service itself; a service joins another service's network"
                : specByName.TryGetValue(name, out var targetSpec) ? NetworkModes.CannotJoin(name, targetSpec)
                : null; // refused already for what it says itself
            if (reason is not null)
            {
                root.Context.Errors.Add($"{service.Node.Path}.network_mode", $"line {service.Lines["run.networkMode"]}: {reason}");
            }
        }
    }

    private static void CheckDependencies(List<ComposeService> services, ComposeNode root)
    {
        var byName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var service in services)
        {
            foreach (var dependency in service.Details.DependsOn.Where(d => !byName.ContainsKey(d.Service)))
            {
                root.Context.Errors.Add($"{service.Node.Path}.depends_on", $"line {service.Lines["depends_on"]}: '{dependency.Service}' is not a service of this file");
            }
        }
        // Depth-first search for a cycle; compose refuses them too.
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            if (Cycle(service.Name, byName, state, []) is { } cycle)
            {
                var first = byName[cycle[0]];
                root.Context.Errors.Add($"{first.Node.Path}.depends_on", $"line {first.Lines["depends_on"]}: services depend on each other in a cycle: {string.Join(" -> ", cycle)}");
                return;
            }
        }
    }

    private static List<string>? Cycle(string name, Dictionary<string, ComposeService> byName, Dictionary<string, int> state, List<string> path)
    {
        if (state.GetValueOrDefault(name) == 2 || !byName.TryGetValue(name, out var service))
        {
            return null;
        }
        if (state.GetValueOrDefault(name) == 1)
        {
            return [.. path[path.IndexOf(name)..], name];
        }
        state[name] = 1;
        path.Add(name);
        foreach (var dependency in service.Details.DependsOn)
        {
            if (Cycle(dependency.Service, byName, state, path) is { } cycle)
            {
                return cycle;
            }
        }
        path.RemoveAt(path.Count - 1);
        state[name] = 2;
        return null;
    }

    private static void ReadNetworks(ComposeNode value, SortedSet<string> networks)
    {
        foreach (var (name, options) in value.Entries())
        {
            foreach (var (key, option) in options.IsNull ? [] : options.Entries())
            {
                switch (key)
                {
                    case "driver" when option.Text() is "bridge" or "overlay":
                    case "ipam" or "labels" or "attachable" or "name" or "driver_opts":
                        option.Ignore("every network of the stack is the environment's one network, which spans its hosts");
                        break;
                    case "external" or "internal":
                        option.Error($"'{key}' networks are not supported: every network of the stack is the environment's one network");
                        break;
                    default:
                        option.Error($"'{key}' is not supported for networks (driver: bridge or overlay)");
                        break;
                }
            }
            networks.Add(name);
        }
    }

    private static void ReadVolumes(ComposeNode value, SortedSet<string> volumes, SortedDictionary<string, IReadOnlyDictionary<string, string>> volumeLabels)
    {
        foreach (var (name, options) in value.Entries())
        {
            foreach (var (key, option) in options.IsNull ? [] : options.Entries())
            {
                if (key == "labels")
                {
                    var errors = new FieldErrors();
                    var labels = ContainerLabels.Check(option.PairMap().ToDictionary(p => p.Key, p => (string?)(p.Value ?? ""), StringComparer.Ordinal), "labels", errors);
                    foreach (var (field, reasons) in errors.ToDictionary())
                    {
                        option.Error($"{field}: {string.Join("; ", reasons)}");
                    }
                    if (labels.Count > 0)
                    {
                        volumeLabels[name] = labels;
                    }
                }
                else if (key == "driver" && option.Text() == "local")
                {
                    option.Ignore("volumes are local to each host");
                }
                else
                {
                    option.Error($"'{key}' is not supported for volumes: named volumes are local Docker volumes on each host");
                }
            }
            volumes.Add(name);
        }
    }

    private static void ReadSecrets(ComposeNode value, SortedDictionary<string, string> secrets)
    {
        foreach (var (name, options) in value.Entries())
        {
            string? file = null;
            foreach (var (key, option) in options.IsNull ? [] : options.Entries())
            {
                if (key == "file")
                {
                    file = option.Text();
                }
                else
                {
                    option.Error($"'{key}' secrets are not supported; a secret is a 'file' in the stack's folder on each host");
                }
            }
            if (file is null)
            {
                options.Error("'file' is required");
                continue;
            }
            if (file.StartsWith('/'))
            {
                options.Error("'file' must be relative: secrets are read from the stack's folder on each host");
                continue;
            }
            options.Context.Warnings.Add($"{options.Path} (line {options.Line}): '{file}' is read from the stack's folder on each host and mounted read-only; put it there before the services start");
            secrets[name] = file;
        }
    }
}
