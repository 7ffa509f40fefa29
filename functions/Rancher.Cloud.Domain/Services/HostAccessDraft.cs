using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Services;

/// <summary>Host access as a user asked for it; whether the environment allows it is <see cref="HostAccessPolicy"/>'s question.</summary>
public sealed record HostAccessDraft(bool? Privileged, string? Pid, string? Ipc, IReadOnlyList<string?>? Devices)
{
    /// <summary>Checks the shape only; null when nothing beyond Docker's defaults is asked.</summary>
    public static HostAccess? Check(HostAccessDraft? draft, string field, FieldErrors errors)
    {
        if (draft is null)
        {
            return null;
        }
        if (draft.Pid is not (null or "host"))
        {
            errors.Add($"{field}.pid", "must be 'host' (or absent, for the container's own)");
        }
        if (draft.Ipc is not (null or "host" or "private" or "shareable" or "none"))
        {
            errors.Add($"{field}.ipc", "must be 'host', 'private', 'shareable' or 'none'");
        }
        var devices = new List<string>();
        if (!Bounds.TooMany(draft.Devices?.Count ?? 0, Bounds.MaxItems, $"{field}.devices", errors))
        {
            for (var i = 0; i < (draft.Devices?.Count ?? 0); i++)
            {
                if (draft.Devices![i] is { } device && IsDevice(device))
                {
                    devices.Add(device);
                }
                else
                {
                    errors.Add($"{field}.devices[{i}]", "must be a device path, optionally ':container path' and ':rwm' permissions (/dev/fuse, /dev/sda:/dev/xvda:r)");
                }
            }
        }
        var access = new HostAccess(draft.Privileged ?? false, draft.Pid, draft.Ipc is "private" ? null : draft.Ipc, devices);
        return access.IsNone ? null : access;
    }

    private static bool IsDevice(string device)
    {
        var parts = device.Split(':');
        return device.Length <= 256 && parts.Length <= 3
            && parts.Take(Math.Min(parts.Length, 2)).All(p => p.StartsWith("/dev/", StringComparison.Ordinal) && !p.Contains("..", StringComparison.Ordinal) && !p.Any(char.IsControl))
            && (parts.Length < 3 || parts[2].Length is > 0 and <= 3 && parts[2].All(c => c is 'r' or 'w' or 'm'));
    }
}
