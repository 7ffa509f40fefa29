using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Services;

/// <summary>Argument lists (command, entrypoint, capabilities): strings, never null, no NUL.</summary>
public static class Arguments
{
    public static IReadOnlyList<string> Check(IReadOnlyList<string?>? arguments, string field, FieldErrors errors)
    {
        var result = new List<string>();
        if (Bounds.TooMany(arguments?.Count ?? 0, Bounds.MaxArguments, field, errors))
        {
            return result;
        }
        for (var i = 0; i < (arguments?.Count ?? 0); i++)
        {
            if (arguments![i] is not { } arg)
            {
                errors.Add($"{field}[{i}]", "must be a string, not null");
            }
            else if (arg.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add($"{field}[{i}]", "must not contain NUL characters");
            }
            else if (arg.Length > Bounds.MaxArgumentLength)
            {
                errors.Add($"{field}[{i}]", $"must be at most {Bounds.MaxArgumentLength} characters");
            }
            else
            {
                result.Add(arg);
            }
        }
        return result;
    }
}
