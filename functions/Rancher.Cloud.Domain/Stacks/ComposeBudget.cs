using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>
/// Bounds the work a compose file can ask of the reader, checked on the parser's flat event
/// stream before any tree is built: YamlDotNet's node loader recurses once per level (a deep
/// file overflows the stack and kills the process), and aliases expand into copies (a few
/// kilobytes of anchors can stand for gigabytes). Each alias counts the nodes and characters
/// its anchor would add, anchors of anchors included, so the expanded size is known up front.
/// </summary>
public static class ComposeBudget
{
    /// <summary>Real compose files nest a handful of levels; 64 is generous and far from the stack's limit.</summary>
    public const int MaxDepth = 64;

    /// <summary>Nodes after every alias is expanded.</summary>
    public const long MaxNodes = 100_000;

    /// <summary>Characters of scalars after every alias is expanded: four times the largest file.</summary>
    public const long MaxCharacters = 4 * ComposeReader.MaxLength;

    /// <summary>Null when the document is within budget; otherwise the line and the reason.</summary>
    public static string? Check(string text)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, Size>(StringComparer.Ordinal);
        var open = new Stack<(string? Anchor, Size Start)>();
        var total = new Size(0, 0);
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                switch (current)
                {
                    case MappingStart or SequenceStart:
                        total = total.Add(new Size(1, 0));
                        if (open.Count == MaxDepth)
                        {
                            return At(current, $"nested deeper than {MaxDepth} levels");
                        }
                        open.Push((((NodeEvent)current).Anchor.IsEmpty ? null : ((NodeEvent)current).Anchor.Value, total));
                        break;
                    case MappingEnd or SequenceEnd:
                        var (anchor, start) = open.Pop();
                        if (anchor is not null)
                        {
                            anchors[anchor] = total.Minus(start).Add(new Size(1, 0));
                        }
                        break;
                    case Scalar scalar:
                        var size = new Size(1, scalar.Value.Length);
                        total = total.Add(size);
                        if (!scalar.Anchor.IsEmpty)
                        {
                            anchors[scalar.Anchor.Value] = size;
                        }
                        break;
                    case AnchorAlias alias:
                        total = total.Add(anchors.GetValueOrDefault(alias.Value.Value, new Size(1, 0)));
                        break;
                }
                if (total.Nodes > MaxNodes)
                {
                    return At(current, $"expands to more than {MaxNodes} nodes (aliases count as copies)");
                }
                if (total.Characters > MaxCharacters)
                {
                    return At(current, $"expands to more than {MaxCharacters / 1024} KiB of text (aliases count as copies)");
                }
            }
        }
        catch (YamlException e)
        {
            return $"line {e.Start.Line}, column {e.Start.Column}: not valid YAML: {e.Message}";
        }
        return null;
    }

    private static string At(ParsingEvent at, string reason) => $"line {at.Start.Line}: {reason}";

    private readonly record struct Size(long Nodes, long Characters)
    {
        public Size Add(Size other) => new(Nodes + other.Nodes, Characters + other.Characters);

        public Size Minus(Size other) => new(Nodes - other.Nodes, Characters - other.Characters);
    }
}
