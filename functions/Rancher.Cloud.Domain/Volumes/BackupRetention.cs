namespace Rancher.Cloud.Domain.Volumes;

/// <summary>A completed backup as retention sees it.</summary>
public sealed record KeptBackup(string Id, DateTimeOffset TakenAt);

/// <summary>Which of a schedule's completed backups have expired: beyond the newest N, or older than the age limit.</summary>
public static class BackupRetention
{
    public static IReadOnlyList<string> Expired(IEnumerable<KeptBackup> backups, BackupSchedule schedule, DateTimeOffset now)
    {
        var oldest = now - TimeSpan.FromDays(schedule.KeepDays);
        return backups
            .OrderByDescending(b => b.TakenAt)
            .ThenByDescending(b => b.Id, StringComparer.Ordinal)
            .Select((b, index) => (b, index))
            .Where(x => x.index >= schedule.KeepLast || x.b.TakenAt < oldest)
            .Select(x => x.b.Id)
            .ToList();
    }
}
