using System.Text.RegularExpressions;

namespace Rancher.Cloud.Domain.Services;

/// <summary>The names Docker and shells accept for environment variables.</summary>
public static partial class EnvironmentVariableName
{
    public static bool IsValid(string name) => name.Length <= 256 && Pattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]*\\z")]
    private static partial Regex Pattern();
}
