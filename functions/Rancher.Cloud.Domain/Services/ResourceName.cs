using System.Text.RegularExpressions;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Services;

/// <summary>
/// Names of environments, stacks and services: DNS labels (RFC 1123), because they become
/// DNS names for service discovery.
/// </summary>
public static partial class ResourceName
{
    public static bool IsValid(string? name) => name is { Length: > 0 and <= 63 } && Pattern().IsMatch(name);

    public static string? Check(string? name, string field, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(field, "is required");
            return null;
        }
        if (name.Length > 63)
        {
            errors.Add(field, "must be at most 63 characters");
            return null;
        }
        if (!Pattern().IsMatch(name))
        {
            errors.Add(field, "must be lower-case letters, digits and '-', starting and ending with a letter or digit");
            return null;
        }
        return name;
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?\\z")]
    private static partial Regex Pattern();
}
