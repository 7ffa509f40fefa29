using System.Globalization;
using Rancher.Cloud.Domain.Errors;
using YamlDotNet.RepresentationModel;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>
/// A node of a compose file with its path (<c>services.web.ports[0]</c>) and line, so every
/// error names both. Scalars are interpolated with the stack's variables as they are read.
/// </summary>
public sealed class ComposeNode(YamlNode node, string path, ComposeContext context)
{
    public string Path => path;

    public int Line => (int)node.Start.Line;

    public ComposeContext Context => context;

    public bool IsMapping => node is YamlMappingNode;

    public bool IsSequence => node is YamlSequenceNode;

    /// <summary>A YAML null (<c>~</c>, <c>null</c> or nothing at all).</summary>
    public bool IsNull => node is YamlScalarNode { Style: not (YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted) } s
        && s.Value is null or "" or "~" or "null" or "Null" or "NULL";

    public void Error(string reason) => context.Errors.Add(path, $"line {Line}: {reason}");

    /// <summary>Keys that can be accepted without changing behaviour are listed, not refused.</summary>
    public void Ignore(string reason) => context.Ignored.Add($"{path} (line {Line}): {reason}");

    public ComposeNode Child(YamlNode child, string segment) =>
        new(child, segment.StartsWith('[') ? path + segment : path.Length == 0 ? segment : $"{path}.{segment}", context);

    /// <summary>The entries of a mapping, with YAML merge keys (<c>&lt;&lt;: *defaults</c>) applied; explicit keys win.</summary>
    public IReadOnlyList<(string Key, ComposeNode Value)> Entries()
    {
        if (node is not YamlMappingNode mapping)
        {
            Error("must be a mapping");
            return [];
        }
        var result = new List<(string, ComposeNode)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (name == "<<")
            {
                continue;
            }
            seen.Add(name);
            result.Add((name, Child(value, name)));
        }
        foreach (var (key, value) in mapping.Children.Where(c => (c.Key as YamlScalarNode)?.Value == "<<"))
        {
            var sources = value is YamlSequenceNode many ? many.Children.ToList() : [value];
            foreach (var source in sources.OfType<YamlMappingNode>())
            {
                foreach (var (mergedKey, mergedValue) in source.Children)
                {
                    if ((mergedKey as YamlScalarNode)?.Value is { } merged && seen.Add(merged))
                    {
                        result.Add((merged, Child(mergedValue, merged)));
                    }
                }
            }
        }
        return result;
    }

    public IReadOnlyList<ComposeNode> Items()
    {
        if (node is not YamlSequenceNode sequence)
        {
            Error("must be a list");
            return [];
        }
        return sequence.Children.Select((c, i) => Child(c, $"[{i}]")).ToList();
    }

    /// <summary>The scalar's text, interpolated; null (with an error) when the node is not a scalar.</summary>
    public string? Text()
    {
        if (node is not YamlScalarNode scalar)
        {
            Error("must be a single value");
            return null;
        }
        return context.Interpolate(scalar.Value ?? "", this);
    }

    public int? Number(int min, int max)
    {
        var text = Text();
        if (text is null)
        {
            return null;
        }
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            Error($"must be a whole number between {min} and {max}");
            return null;
        }
        return value;
    }

    public bool? Boolean()
    {
        switch (Text())
        {
            case "true" or "True" or "TRUE" or "yes" or "on":
                return true;
            case "false" or "False" or "FALSE" or "no" or "off":
                return false;
            case null:
                return null;
            default:
                Error("must be true or false");
                return null;
        }
    }

    /// <summary>A list of strings, or one string split as a shell would (compose's rule for command and entrypoint).</summary>
    public IReadOnlyList<string?>? Words()
    {
        if (IsNull)
        {
            return null;
        }
        if (IsSequence)
        {
            return Items().Select(i => i.Text()).ToList();
        }
        var text = Text();
        if (text is null)
        {
            return null;
        }
        var words = ShellWords.Split(text);
        if (words is null)
        {
            Error("has an unterminated quote");
        }
        return words;
    }

    /// <summary>A mapping, or a list of <c>KEY=VALUE</c> strings (compose allows both for environment and labels).</summary>
    /// <summary>The pairs as a map: a key given twice keeps its last value, as compose keeps it for environment lists.</summary>
    public Dictionary<string, string?> PairMap()
    {
        var map = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value, _) in Pairs())
        {
            map[key] = value;
        }
        return map;
    }

    public IReadOnlyList<(string Key, string? Value, ComposeNode Node)> Pairs()
    {
        if (IsMapping)
        {
            return Entries().Select(e => (e.Key, e.Value.IsNull ? null : e.Value.Text(), e.Value)).ToList();
        }
        var result = new List<(string, string?, ComposeNode)>();
        foreach (var item in Items())
        {
            if (item.Text() is not { } text)
            {
                continue;
            }
            var equals = text.IndexOf('=', StringComparison.Ordinal);
            result.Add(equals < 0 ? (text, null, item) : (text[..equals], text[(equals + 1)..], item));
        }
        return result;
    }
}

/// <summary>What reading one compose file collects: errors, ignored keys, warnings, and the variables to interpolate.</summary>
public sealed class ComposeContext(IReadOnlyDictionary<string, string> variables)
{
    public FieldErrors Errors { get; } = new();

    public List<string> Ignored { get; } = [];

    public List<string> Warnings { get; } = [];

    /// <summary>Characters interpolation may produce in one file, all scalars together: as much as aliases may expand to.</summary>
    public const long MaxInterpolated = ComposeBudget.MaxCharacters;

    private long interpolated;

    public string Interpolate(string text, ComposeNode at)
    {
        if (interpolated > MaxInterpolated)
        {
            return ""; // already refused; the rest of the file is not expanded
        }
        var result = Interpolation.Apply(text, variables, out var missing, out var failure, MaxInterpolated - interpolated);
        interpolated += result.Length;
        if (interpolated > MaxInterpolated)
        {
            Errors.Add("compose", $"line {at.Line}: variables expand the file to more than {MaxInterpolated / 1024} KiB of text");
            return "";
        }
        if (failure is not null)
        {
            at.Error(failure);
        }
        foreach (var name in missing)
        {
            Warnings.Add($"{at.Path} (line {at.Line}): variable '{name}' is not set; an empty string is used");
        }
        return result;
    }
}
