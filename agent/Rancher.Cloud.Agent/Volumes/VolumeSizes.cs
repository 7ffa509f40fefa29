using Docker.DotNet;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Volumes;

/// <summary>
/// The host's named volumes that are the platform's (mounted by its plan, made for one, or by a
/// restore) and their sizes. Docker is asked again only when the plan changed, a volume task ended,
/// or a minute passed: the agent's pass every few seconds neither lists volumes nor walks them.
/// </summary>
public sealed class VolumeSizes(IDockerClient docker, TimeProvider clock)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private IReadOnlyList<ObservedVolume>? last;
    private long planVersion = -1;
    private DateTimeOffset measuredAt;

    /// <summary>Volumes were made or removed outside the plan (a restore, a removal): the next read asks Docker.</summary>
    public void Stale() => last = null;

    public async Task<IReadOnlyList<ObservedVolume>> ReadAsync(HostPlan plan, CancellationToken ct)
    {
        if (last is { } known && plan.Version == planVersion && clock.GetUtcNow() - measuredAt < Interval)
        {
            return known;
        }
        var planned = plan.Containers.SelectMany(c => c.Mounts).Where(m => m is { Type: "volume", Source.Length: > 0 }).Select(m => m.Source).ToHashSet(StringComparer.Ordinal);
        var ours = ((await docker.Volumes.ListAsync(ct)).Volumes ?? [])
            .Where(v => planned.Contains(v.Name) || v.Labels?.ContainsKey(Labels.Volume) == true || v.Labels?.ContainsKey(VolumeRestore.RestoredFromLabel) == true)
            .OrderBy(v => v.Name, StringComparer.Ordinal)
            .Take(ObservedVolume.MaxVolumes)
            .ToList();
        last = await Task.Run(() => ours.Select(v => new ObservedVolume(v.Name, SizeOf(v.Mountpoint))).ToList(), ct);
        planVersion = plan.Version;
        measuredAt = clock.GetUtcNow();
        return last;
    }

    /// <summary>The bytes of the files under <paramref name="path"/> (a backup's archive is about this long).</summary>
    public static long SizeOf(string path)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        return Directory.Exists(path) ? new DirectoryInfo(path).EnumerateFiles("*", options).Sum(f => f.Length) : 0;
    }
}
