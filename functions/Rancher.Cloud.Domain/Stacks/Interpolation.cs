using System.Text;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>
/// compose's variable interpolation: <c>$VAR</c>, <c>${VAR}</c>, <c>${VAR:-default}</c>,
/// <c>${VAR-default}</c>, <c>${VAR:?message}</c>, <c>${VAR?message}</c>; <c>$$</c> is a literal <c>$</c>.
/// Variables come with the stack request, since the platform cannot see the user's shell.
/// </summary>
public static class Interpolation
{
    /// <param name="text">The scalar as written.</param>
    /// <param name="variables">The stack's variables.</param>
    /// <param name="missing">Variables used but not set.</param>
    /// <param name="failure">Why the text cannot be interpolated, if it cannot.</param>
    /// <param name="limit">Stop once the result is longer: a few kilobytes of <c>${VAR}</c> can stand for gigabytes.</param>
    public static string Apply(string text, IReadOnlyDictionary<string, string> variables, out List<string> missing, out string? failure, long limit = long.MaxValue)
    {
        missing = [];
        failure = null;
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length && result.Length <= limit; i++)
        {
            var c = text[i];
            if (c != '$' || i + 1 >= text.Length)
            {
                result.Append(c);
                continue;
            }
            var next = text[i + 1];
            if (next == '$')
            {
                result.Append('$');
                i++;
            }
            else if (next == '{')
            {
                var close = text.IndexOf('}', i + 2);
                if (close < 0)
                {
                    failure = $"'{text}' has an unterminated '${{'";
                    return text;
                }
                result.Append(Expand(text[(i + 2)..close], variables, missing, ref failure));
                i = close;
            }
            else if (char.IsAsciiLetter(next) || next == '_')
            {
                var end = i + 1;
                while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_'))
                {
                    end++;
                }
                result.Append(Lookup(text[(i + 1)..end], variables, missing));
                i = end - 1;
            }
            else
            {
                result.Append(c);
            }
        }
        return result.ToString();
    }

    /// <summary>The text a compose file must contain to read back as <paramref name="value"/>.</summary>
    public static string Escape(string value) => value.Replace("$", "$$", StringComparison.Ordinal);

    private static string Expand(string expression, IReadOnlyDictionary<string, string> variables, List<string> missing, ref string? failure)
    {
        var op = expression.IndexOfAny([':', '-', '?']);
        if (op < 0)
        {
            return Lookup(expression, variables, missing);
        }
        var name = expression[..op];
        var colon = expression[op] == ':';
        var kind = colon && op + 1 < expression.Length ? expression[op + 1] : expression[op];
        var argument = expression[(op + (colon ? 2 : 1))..];
        var set = variables.TryGetValue(name, out var value);
        var usable = set && (!colon || value!.Length > 0);
        switch (kind)
        {
            case '-':
                return usable ? value! : argument;
            case '?':
                if (!usable)
                {
                    failure = $"variable '{name}' is required: {argument}";
                    return "";
                }
                return value!;
            default:
                failure = $"'${{{expression}}}' is not a supported substitution";
                return "";
        }
    }

    private static string Lookup(string name, IReadOnlyDictionary<string, string> variables, List<string> missing)
    {
        if (variables.TryGetValue(name, out var value))
        {
            return value;
        }
        missing.Add(name);
        return "";
    }
}
