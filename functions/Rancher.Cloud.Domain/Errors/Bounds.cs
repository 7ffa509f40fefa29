namespace Rancher.Cloud.Domain.Errors;

/// <summary>
/// How much one request may hold. Every list and string a user sends has a maximum, so the work
/// a request costs is bounded and every accepted object fits its storage row.
/// </summary>
public static class Bounds
{
    /// <summary>Items of an ordinary list (ports, volumes, rules, addresses).</summary>
    public const int MaxItems = 100;

    /// <summary>Arguments of a command, entrypoint or health-check test.</summary>
    public const int MaxArguments = 256;

    /// <summary>Characters of one argument.</summary>
    public const int MaxArgumentLength = 8192;

    /// <summary>True (with an error) when <paramref name="count"/> is more than <paramref name="max"/>.</summary>
    public static bool TooMany(int count, int max, string field, FieldErrors errors)
    {
        if (count <= max)
        {
            return false;
        }
        errors.Add(field, $"must have at most {max} items");
        return true;
    }
}
