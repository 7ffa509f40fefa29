using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Services;

/// <summary>Labels put on each instance's container, as Docker allows them; the platform's own prefix is reserved.</summary>
public static class ContainerLabels
{
    public const int MaxLabels = 100;

    public static IReadOnlyDictionary<string, string> Check(IReadOnlyDictionary<string, string?>? labels, string field, FieldErrors errors)
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
            var at = $"{field}.{key}";
            if (key.Length is 0 or > 253 || key.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) || key.Contains('=', StringComparison.Ordinal))
            {
                errors.Add(at, "label keys are 1 to 253 characters without spaces or '='");
            }
            else if (key.StartsWith(Contracts.Labels.Prefix, StringComparison.Ordinal))
            {
                errors.Add(at, $"the '{Contracts.Labels.Prefix}' prefix is reserved for the platform");
            }
            else if (value is null || value.Length > 4096 || value.Any(c => c == '\0'))
            {
                errors.Add(at, "label values are strings of at most 4096 characters");
            }
            else
            {
                result[key] = value;
            }
        }
        return result;
    }
}
