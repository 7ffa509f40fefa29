using Docker.DotNet;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Volumes;

/// <summary>
/// The host's named volumes that are the platform's (mounted by its plan, made for one, or by a restore)
/// and their sizes, measured at most once a minute: a large volume is not walked on every pass.
/// </summary>
public sealed class VolumeSizes(IDockerClient docker, TimeProvider clock)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private IReadOnlyList<ObservedVolume>? last;
    private string lastNames = "";
    private DateTimeOffset measuredAt;

    public async Task<IReadOnlyList<ObservedVolume>> ReadAsync(HostPlan plan, CancellationToken ct)
    {
        var planned = plan.Containers.SelectMany(c => c.Mounts).Where(m => m is { Type: "volume", Source.Length: > 0 }).Select(m => m.Source).ToHashSet(StringComparer.Ordinal);
        var volumes = (await docker.Volumes.ListAsync(ct)).Volumes ?? [];
        var ours = volumes
            .Where(v => planned.Contains(v.Name) || v.Labels?.ContainsKey(Labels.Volume) == true || v.Labels?.ContainsKey(VolumeRestore.RestoredFromLabel) == true)
            .OrderBy(v => v.Name, StringComparer.Ordinal)
            .Take(ObservedVolume.MaxVolumes)
            .ToList();
        var names = string.Join('\n', ours.Select(v => v.Name));
        // A volume made or removed shows at once; sizes follow at their own pace.
        if (last is not null && names == lastNames && clock.GetUtcNow() - measuredAt < Interval)
        {
            return last;
        }
        last = await Task.Run(() => ours.Select(v => new ObservedVolume(v.Name, BackupWriter.SizeOf(v.Mountpoint))).ToList(), ct);
        lastNames = names;
        measuredAt = clock.GetUtcNow();
        return last;
    }
}
