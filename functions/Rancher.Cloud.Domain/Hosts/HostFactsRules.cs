using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Networking;

namespace Rancher.Cloud.Domain.Hosts;

/// <summary>
/// What an agent may say about its host, at registration and in every heartbeat: short,
/// printable text and plausible numbers, so a broken or hostile agent cannot fill a row or a
/// page of the portal.
/// </summary>
public static class HostFactsRules
{
    public static FieldErrors Check(HostFacts? facts, string field, FieldErrors errors)
    {
        if (facts is null)
        {
            return errors.Add(field, "is required");
        }
        Text(facts.Hostname, $"{field}.hostname", 253, required: true, errors);
        Text(facts.DockerVersion, $"{field}.dockerVersion", 64, required: false, errors);
        Text(facts.Os, $"{field}.os", 256, required: false, errors);
        Text(facts.Architecture, $"{field}.architecture", 32, required: false, errors);
        Text(facts.Fingerprint, $"{field}.fingerprint", 128, required: false, errors);
        Text(facts.BootId, $"{field}.bootId", 64, required: false, errors);
        Text(facts.Incarnation, $"{field}.incarnation", 64, required: false, errors);
        if (facts.Cpus is < 1 or > 4096)
        {
            errors.Add($"{field}.cpus", "must be between 1 and 4096");
        }
        if (facts.MemoryBytes is < 0 or > 1L << 50)
        {
            errors.Add($"{field}.memoryBytes", "must be between 0 and 1 PiB");
        }
        if (!Bounds.TooMany(facts.UsedRanges?.Count ?? 0, MachineRanges.MaxRanges, $"{field}.usedRanges", errors))
        {
            for (var i = 0; i < (facts.UsedRanges?.Count ?? 0); i++)
            {
                if (!Ipv4Cidr.TryParse(facts.UsedRanges![i], out var range) || range.Prefix == 0)
                {
                    errors.Add($"{field}.usedRanges[{i}]", "must be an IPv4 network with its host bits zero, such as 192.168.1.0/24 (not the default route)");
                }
            }
        }
        HostLabels.Check(facts.Labels, $"{field}.labels", errors);
        TunnelFacts.Check(facts, field, errors);
        return errors;
    }

    private static void Text(string? text, string field, int maxLength, bool required, FieldErrors errors)
    {
        if (text is null or "" ? required : text.Length > maxLength || text.Any(char.IsControl))
        {
            errors.Add(field, $"must be {(required ? "1" : "0")} to {maxLength} printable characters");
        }
    }
}
