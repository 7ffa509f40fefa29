using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Services;

/// <summary>A host port published to a container port, for one protocol.</summary>
public sealed record PortMapping(int Published, int Target, string Protocol)
{
    public static IReadOnlyList<PortMapping> CheckAll(IReadOnlyList<PortDraft?>? drafts, FieldErrors errors)
    {
        var result = new List<PortMapping>();
        if (drafts is null)
        {
            return result;
        }
        if (Bounds.TooMany(drafts.Count, Bounds.MaxItems, "ports", errors))
        {
            return result;
        }
        var seen = new HashSet<(int, string)>();
        for (var i = 0; i < drafts.Count; i++)
        {
            var field = $"ports[{i}]";
            if (drafts[i] is not { } draft)
            {
                errors.Add(field, "must be an object, not null");
                continue;
            }
            var ok = CheckPort(draft.Published, $"{field}.published", errors)
                & CheckPort(draft.Target, $"{field}.target", errors);
            var protocol = draft.Protocol ?? "tcp";
            if (protocol is not ("tcp" or "udp"))
            {
                errors.Add($"{field}.protocol", "must be 'tcp' or 'udp'");
                ok = false;
            }
            if (!ok)
            {
                continue;
            }
            if (!seen.Add((draft.Published!.Value, protocol)))
            {
                errors.Add($"{field}.published", $"port {draft.Published}/{protocol} is published twice");
                continue;
            }
            result.Add(new PortMapping(draft.Published.Value, draft.Target!.Value, protocol));
        }
        return result;
    }

    private static bool CheckPort(int? port, string field, FieldErrors errors)
    {
        if (port is null)
        {
            errors.Add(field, "is required");
            return false;
        }
        if (port is < 1 or > 65535)
        {
            errors.Add(field, "must be between 1 and 65535");
            return false;
        }
        return true;
    }

    public override string ToString() => $"{Published}/{Protocol}";
}
