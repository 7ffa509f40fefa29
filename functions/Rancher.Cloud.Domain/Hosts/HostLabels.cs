using System.Text.RegularExpressions;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Hosts;

/// <summary>Host labels, as Docker labels: dotted lower-case keys, short printable values.</summary>
public static partial class HostLabels
{
    public const int MaxLabels = 64;

    public static IReadOnlyDictionary<string, string> Check(IReadOnlyDictionary<string, string>? labels, string field, FieldErrors errors)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (labels is null)
        {
            return result;
        }
        if (labels.Count > MaxLabels)
        {
            errors.Add(field, $"at most {MaxLabels} labels");
            return result;
        }
        foreach (var (key, value) in labels)
        {
            if (IsValid(key, value, $"{field}.{key}", errors))
            {
                result[key] = value;
            }
        }
        return result;
    }

    /// <summary>Checks one label; records why under <paramref name="field"/> when it is not valid.</summary>
    public static bool IsValid(string? key, string? value, string field, FieldErrors errors)
    {
        if (key is null || key.Length > 253 || !Key().IsMatch(key))
        {
            errors.Add(field, "label keys are lower-case letters, digits, '.', '-', '_' and '/', starting and ending with a letter or digit");
            return false;
        }
        if (value is null || value.Length > 253 || value.Any(char.IsControl))
        {
            errors.Add(field, "label values are at most 253 printable characters");
            return false;
        }
        return true;
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9._/-]*[a-z0-9])?\\z")]
    private static partial Regex Key();
}
