namespace Rancher.Cloud.Domain.Stacks;

/// <summary>
/// One compose service as read: a <see cref="Services.ServiceDraft"/> (validated like any
/// service), the compose-only <see cref="Services.ComposeDetails"/>, and the line of every
/// field, so validation errors can name the line they come from. Immutable once read.
/// </summary>
public sealed record ComposeService(
    string Name,
    ComposeNode Node,
    Services.ServiceDraft Draft,
    Services.ComposeDetails Details,
    IReadOnlyDictionary<string, int> Lines)
{
    /// <summary>Reads each key of the service through its row of <see cref="ComposeKeys"/>.</summary>
    public static ComposeService Read(string stack, string name, ComposeNode node, StackDeclarations declared)
    {
        var reading = new ServiceReading(stack, name, node, declared);
        foreach (var (key, value) in node.Entries())
        {
            var row = ComposeKeys.Find(key);
            reading.Lines[row.Field] = value.Line;
            row.Read(reading, value);
        }
        var draft = reading.Finish();
        return new ComposeService(name, node, draft, reading.Details, reading.Lines);
    }
}
