using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Services;

/// <summary>Argument lists (command, entrypoint, capabilities): strings, never null, no NUL.</summary>
public static class Arguments
{
    public static IReadOnlyList<string> Check(IReadOnlyList<string?>? arguments, string field, FieldErrors errors)
    {
        var result = new List<string>();
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
            else
            {
                result.Add(arg);
            }
        }
        return result;
    }
}
