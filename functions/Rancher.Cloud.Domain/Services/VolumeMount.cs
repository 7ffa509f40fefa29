using System.Text.Json.Serialization;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Services;

/// <summary>
/// Storage mounted into each instance. <see cref="Type"/> is <c>volume</c> (a named volume on
/// the host, or an anonymous one when <see cref="Source"/> is empty), <c>bind</c> (a host path;
/// a relative one, <c>./conf</c>, lives in the stack's folder on each host), <c>tmpfs</c>, or
/// <c>secret</c> (a file from the stack's folder, read-only at <see cref="Target"/>).
/// </summary>
public sealed record VolumeMount(string Type, string Source, string Target, bool ReadOnly = false)
{
    public static readonly string[] Types = ["volume", "bind", "tmpfs", "secret"];

    /// <summary>Labels the named volume is created with (the API's <c>labels</c>, or a compose file's declaration); null for none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>A named volume's name on the host: a stack's volumes are the stack's own (<c>stack_volume</c>, as compose names them).</summary>
    public string NameOn(string? stack) => Type == "volume" && Source.Length > 0 && stack is { } s ? $"{s}_{Source}" : Source;

    [JsonIgnore]
    public bool IsNamedVolume => Type == "volume" && Source.Length > 0;

    [JsonIgnore]
    public bool IsRelativeBind => Type is "bind" or "secret" && !Source.StartsWith('/');

    public static IReadOnlyList<VolumeMount> CheckAll(IReadOnlyList<VolumeDraft?>? drafts, string field, FieldErrors errors)
    {
        var result = new List<VolumeMount>();
        var targets = new HashSet<string>(StringComparer.Ordinal);
        if (Bounds.TooMany(drafts?.Count ?? 0, Bounds.MaxItems, field, errors))
        {
            return result;
        }
        for (var i = 0; i < (drafts?.Count ?? 0); i++)
        {
            var at = $"{field}[{i}]";
            if (drafts![i] is not { } draft)
            {
                errors.Add(at, "must be an object, not null");
                continue;
            }
            var type = draft.Type ?? "volume";
            var source = draft.Source ?? "";
            if (!Types.Contains(type))
            {
                errors.Add($"{at}.type", "must be 'volume', 'bind', 'tmpfs' or 'secret'");
                continue;
            }
            if (draft.Target is not { Length: > 0 } target || !target.StartsWith('/') || target.Contains(':', StringComparison.Ordinal))
            {
                errors.Add($"{at}.target", "must be an absolute path in the container");
                continue;
            }
            if (!targets.Add(target))
            {
                errors.Add($"{at}.target", $"'{target}' is mounted twice");
                continue;
            }
            if (CheckSource(type, source) is { } reason)
            {
                errors.Add($"{at}.source", reason);
                continue;
            }
            if (type == "secret" && draft.ReadOnly == false)
            {
                errors.Add($"{at}.readOnly", "a secret is always mounted read-only");
                continue;
            }
            if (draft.Labels is not null && (type != "volume" || source.Length == 0))
            {
                errors.Add($"{at}.labels", "only a named volume has labels");
                continue;
            }
            var labels = ContainerLabels.Check(draft.Labels, $"{at}.labels", errors);
            if (draft.Labels is not null && result.FirstOrDefault(m => m.Source == source && m.Labels is not null) is { } labelled && !labelled.Labels!.SequenceEqual(labels))
            {
                // One volume is created once on each host, with one set of labels.
                errors.Add($"{at}.labels", $"volume '{source}' is mounted again with other labels");
                continue;
            }
            result.Add(new VolumeMount(type, source, target, type == "secret" || (draft.ReadOnly ?? false)) { Labels = labels.Count > 0 ? labels : null });
        }
        return result;
    }

    private static string? CheckSource(string type, string source) => type switch
    {
        "volume" when source.Length > 0 && !IsVolumeName(source) =>
            "volume names are letters, digits, '_', '.' and '-', starting with a letter or digit",
        "bind" or "secret" when source.Length == 0 => "is required",
        "bind" or "secret" when source.Contains('\0', StringComparison.Ordinal) || source.Contains(':', StringComparison.Ordinal) =>
            "must not contain ':' or NUL",
        "secret" when source.StartsWith('/') => "a secret is a file in the stack's folder on each host: a relative path",
        "bind" or "secret" when !source.StartsWith('/') && source.Split('/').Contains("..") =>
            "a relative path stays inside the stack's folder and names it plainly: no '..' parts",
        "tmpfs" when source.Length > 0 => "a tmpfs mount has no source",
        _ => null,
    };

    /// <summary>Whether Docker takes <paramref name="name"/> as a volume name.</summary>
    public static bool IsVolumeName(string? name) =>
        name is { Length: > 0 } && char.IsAsciiLetterOrDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');
}
