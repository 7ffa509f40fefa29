using System.Globalization;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>compose's <c>ports</c>: short (<c>"8080:80/udp"</c>, ranges <c>"9000-9001:9000-9001"</c>) and long syntax.</summary>
public static class ComposePorts
{
    public static void Read(ComposeNode ports, List<PortDraft?> drafts, Dictionary<string, int> lines)
    {
        foreach (var item in ports.Items())
        {
            var before = drafts.Count;
            if (item.IsMapping)
            {
                ReadLong(item, drafts);
            }
            else if (item.Text() is { } text)
            {
                ReadShort(item, text, drafts);
            }
            for (var i = before; i < drafts.Count; i++)
            {
                lines[$"ports[{i}]"] = item.Line;
            }
        }
    }

    private static void ReadShort(ComposeNode item, string text, List<PortDraft?> drafts)
    {
        var protocol = "tcp";
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            protocol = text[(slash + 1)..];
            text = text[..slash];
        }
        var parts = text.Split(':');
        if (parts.Length == 3)
        {
            item.Error("binding a port to one host address is not supported; publish on all addresses ('published:target')");
            return;
        }
        if (parts.Length == 1)
        {
            item.Error("publish a fixed host port ('published:target'): the platform checks published ports for conflicts across hosts; use 'expose' for ports only other containers reach");
            return;
        }
        if (parts.Length != 2 || Range(parts[0]) is not { } published || Range(parts[1]) is not { } target)
        {
            item.Error($"'{item.Text()}' is not a port mapping: use 'published:target', optionally with '/tcp' or '/udp'");
            return;
        }
        if (published.Count != target.Count)
        {
            item.Error("the published and target ranges must be the same length");
            return;
        }
        for (var i = 0; i < published.Count; i++)
        {
            drafts.Add(new PortDraft { Published = published[i], Target = target[i], Protocol = protocol });
        }
    }

    private static void ReadLong(ComposeNode item, List<PortDraft?> drafts)
    {
        var draft = new PortDraft();
        foreach (var (key, value) in item.Entries())
        {
            switch (key)
            {
                case "target":
                    draft = draft with { Target = value.Number(1, 65535) };
                    break;
                case "published":
                    draft = draft with { Published = value.Number(1, 65535) };
                    break;
                case "protocol":
                    draft = draft with { Protocol = value.Text() };
                    break;
                case "mode" or "name" or "app_protocol":
                    value.Ignore("the port is published on the host running each instance");
                    break;
                case "host_ip":
                    value.Error("binding a port to one host address is not supported");
                    break;
                default:
                    value.Error($"'{key}' is not a port option (target, published, protocol, mode)");
                    break;
            }
        }
        if (draft.Published is null)
        {
            item.Error("'published' is required: the platform publishes fixed host ports");
            return;
        }
        drafts.Add(draft);
    }

    private static List<int>? Range(string text)
    {
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var single) ? [single] : null;
        }
        if (!int.TryParse(text[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
            || !int.TryParse(text[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var to)
            || to < from || to - from > 1000)
        {
            return null;
        }
        return Enumerable.Range(from, to - from + 1).ToList();
    }
}
