using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>compose's service <c>volumes</c> (short <c>src:dst[:ro]</c> and long syntax) and <c>secrets</c>.</summary>
public static class ComposeVolumes
{
    public static void Read(ComposeNode volumes, List<VolumeDraft?> drafts, Dictionary<string, int> lines, ISet<string> namedVolumes)
    {
        foreach (var item in volumes.Items())
        {
            var draft = item.IsMapping ? ReadLong(item) : item.Text() is { } text ? ReadShort(item, text) : null;
            if (draft is null)
            {
                continue;
            }
            if (draft.Type == "volume" && draft.Source is { Length: > 0 } name && !namedVolumes.Contains(name))
            {
                item.Error($"volume '{name}' is not declared under the top-level 'volumes'");
                continue;
            }
            lines[$"volumes[{drafts.Count}]"] = item.Line;
            drafts.Add(draft);
        }
    }

    public static void ReadSecrets(ComposeNode secrets, List<VolumeDraft?> drafts, Dictionary<string, int> lines, IReadOnlyDictionary<string, string> declared)
    {
        foreach (var item in secrets.Items())
        {
            string? name;
            string? target = null;
            if (item.IsMapping)
            {
                var entries = item.Entries().ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
                name = entries.GetValueOrDefault("source")?.Text();
                target = entries.GetValueOrDefault("target")?.Text();
                foreach (var other in entries.Keys.Except(["source", "target"]))
                {
                    entries[other].Error($"'{other}' is not supported for secrets (source, target)");
                }
            }
            else
            {
                name = item.Text();
            }
            if (name is null || !declared.TryGetValue(name, out var file))
            {
                item.Error($"secret '{name}' is not declared under the top-level 'secrets'");
                continue;
            }
            target ??= name;
            lines[$"volumes[{drafts.Count}]"] = item.Line;
            drafts.Add(new VolumeDraft("secret", file, target.StartsWith('/') ? target : $"/run/secrets/{target}", true));
        }
    }

    private static VolumeDraft? ReadShort(ComposeNode item, string text)
    {
        var parts = text.Split(':');
        if (parts.Length == 1)
        {
            return new VolumeDraft("volume", "", parts[0], false);
        }
        if (parts.Length > 3 || (parts.Length == 3 && parts[2].Split(',').Any(m => m is not ("ro" or "rw" or "z" or "Z" or "cached" or "delegated" or "consistent"))))
        {
            item.Error($"'{text}' is not a volume: use 'source:target' or 'source:target:ro'");
            return null;
        }
        var readOnly = parts.Length == 3 && parts[2].Split(',').Contains("ro");
        var isPath = parts[0].StartsWith('/') || parts[0].StartsWith('.') || parts[0].StartsWith('~');
        if (parts[0].StartsWith('~'))
        {
            item.Error("'~' names the home folder of the machine running compose; use an absolute host path");
            return null;
        }
        return new VolumeDraft(isPath ? "bind" : "volume", parts[0], parts[1], readOnly);
    }

    private static VolumeDraft? ReadLong(ComposeNode item)
    {
        var draft = new VolumeDraft(null, null, null, null);
        foreach (var (key, value) in item.Entries())
        {
            switch (key)
            {
                case "type":
                    draft = draft with { Type = value.Text() };
                    break;
                case "source":
                    draft = draft with { Source = value.Text() };
                    break;
                case "target":
                    draft = draft with { Target = value.Text() };
                    break;
                case "read_only":
                    draft = draft with { ReadOnly = value.Boolean() };
                    break;
                case "bind" or "volume" or "tmpfs" or "consistency":
                    value.Ignore("mount options are left to Docker's defaults");
                    break;
                default:
                    value.Error($"'{key}' is not a volume option (type, source, target, read_only)");
                    break;
            }
        }
        if (draft.Type is "npipe" or "cluster" or "image" or "secret")
        {
            item.Error($"'{draft.Type}' mounts are not supported (volume, bind, tmpfs)");
            return null;
        }
        return draft;
    }
}
