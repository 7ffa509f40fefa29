using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Scheduling;

namespace Rancher.Cloud.Domain.Services;

/// <summary>A validated service definition: what each of its instances runs.</summary>
public sealed record ServiceSpec(
    string Name,
    string Image,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<PortMapping> Ports)
{
    public const int MaxScale = 500;

    /// <summary>Placement rules; none unless the service asks.</summary>
    public SchedulingRules Scheduling { get; init; } = SchedulingRules.None;

    /// <summary>Validates a draft, naming every refused field; nothing partial is returned.</summary>
    public static Outcome<(ServiceSpec Spec, int Scale)> From(ServiceDraft draft)
    {
        var errors = new FieldErrors();
        var name = ResourceName.Check(draft.Name, "name", errors);
        var image = ImageReference.Check(draft.Image, "image", errors);
        var command = CheckCommand(draft.Command, errors);
        var environment = CheckEnvironment(draft.Environment, errors);
        var ports = PortMapping.CheckAll(draft.Ports, errors);
        var scale = CheckScale(draft.Scale ?? 1, "scale", errors);
        var scheduling = SchedulingDraft.Check(draft.Scheduling, "scheduling", errors);
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        return (new ServiceSpec(name!, image!, command, environment, ports) { Scheduling = scheduling }, scale);
    }

    public static int CheckScale(int scale, string field, FieldErrors errors)
    {
        if (scale is < 0 or > MaxScale)
        {
            errors.Add(field, $"must be between 0 and {MaxScale}");
        }
        return scale;
    }

    private static List<string> CheckCommand(IReadOnlyList<string?>? command, FieldErrors errors)
    {
        var result = new List<string>();
        if (command is null)
        {
            return result;
        }
        for (var i = 0; i < command.Count; i++)
        {
            if (command[i] is not { } arg)
            {
                errors.Add($"command[{i}]", "must be a string, not null");
            }
            else if (arg.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add($"command[{i}]", "must not contain NUL characters");
            }
            else
            {
                result.Add(arg);
            }
        }
        return result;
    }

    private static SortedDictionary<string, string> CheckEnvironment(
        IReadOnlyDictionary<string, string?>? environment, FieldErrors errors)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (environment is null)
        {
            return result;
        }
        foreach (var (key, value) in environment)
        {
            var field = $"environment.{key}";
            if (!EnvironmentVariableName.IsValid(key))
            {
                errors.Add(field, "variable names start with a letter or '_' and contain only letters, digits, '_', '.' and '-'");
            }
            else if (value is null)
            {
                errors.Add(field, "must be a string, not null");
            }
            else
            {
                result[key] = value;
            }
        }
        return result;
    }
}
