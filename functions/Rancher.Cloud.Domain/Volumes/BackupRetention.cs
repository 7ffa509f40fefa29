namespace Rancher.Cloud.Domain.Volumes;

/// <summary>A completed backup as retention sees it.</summary>
public sealed record KeptBackup(string Id, DateTimeOffset TakenAt);

/// <summary>
/// Which of a schedule's completed backups of one volume have expired: beyond the newest N, or
/// older than the age limit. The newest is always kept, however old: backups that stopped
/// succeeding must not take the last good one with them.
/// </summary>
public static class BackupRetention
{
    public static IReadOnlyList<string> Expired(IEnumerable<KeptBackup> backups, BackupSchedule schedule, DateTimeOffset now)
    {
        var oldest = now - TimeSpan.FromDays(schedule.KeepDays);
        return backups
            .OrderByDescending(b => b.TakenAt)
            .ThenByDescending(b => b.Id, StringComparer.Ordinal)
            .Select((b, index) => (b, index))
            .Where(x => x.index > 0 && (x.index >= schedule.KeepLast || x.b.TakenAt < oldest))
            .Select(x => x.b.Id)
            .ToList();
    }
}
