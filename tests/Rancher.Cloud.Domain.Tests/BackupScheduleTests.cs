using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Volumes;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>Backup schedules: what a cron in a time zone means, what is refused, and what retention deletes.</summary>
public sealed class BackupScheduleTests
{
    private static KeptBackup Taken(string id, int daysAgo) => new(id, Given.Now.AddDays(-daysAgo));

    [Fact]
    public void Retention_keeps_the_newest_n()
    {
        var schedule = new BackupSchedule("0 3 * * *", "UTC", 2, BackupSchedule.MaxKeepDays);
        Assert.Equal(["c", "d"], BackupRetention.Expired([Taken("a", 0), Taken("b", 1), Taken("c", 2), Taken("d", 3)], schedule, Given.Now).Order());
    }

    [Fact]
    public void Retention_by_age_never_takes_the_last_backup()
    {
        var schedule = new BackupSchedule("0 3 * * *", "UTC", BackupSchedule.MaxKeepLast, 7);
        Assert.Equal(["old2"], BackupRetention.Expired([Taken("old1", 10), Taken("old2", 12)], schedule, Given.Now));
        Assert.Equal(["b"], BackupRetention.Expired([Taken("a", 1), Taken("b", 8)], schedule, Given.Now));
    }

    [Fact]
    public void A_schedule_runs_at_its_local_time_across_daylight_saving()
    {
        var schedule = new BackupSchedule("30 2 * * *", "Europe/Paris", 1, 1);
        // 2026-03-29: clocks go from 02:00 to 03:00 in Paris; the run that day comes at 03:00 local (01:00 UTC).
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), schedule.NextAfter(new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 1, 30, 0, TimeSpan.Zero), schedule.NextAfter(Given.Now));
    }

    [Theory]
    [InlineData("not a cron", "UTC", 1, null, "cron")]
    [InlineData("0 3 * * *", "Mars/Olympus", 1, null, "timeZone")]
    [InlineData("0 3 * * *", "UTC", 0, null, "keepLast")]
    [InlineData("0 3 * * *", "UTC", null, 0, "keepDays")]
    [InlineData("0 3 * * *", "UTC", null, null, "keepLast")]
    [InlineData(null, "UTC", 1, null, "cron")]
    public void Bad_schedules_are_refused_by_field(string? cron, string zone, int? keepLast, int? keepDays, string field)
    {
        var errors = new FieldErrors();
        Assert.Null(BackupSchedule.Check(new BackupScheduleDraft(cron, zone, keepLast, keepDays), errors));
        Assert.Contains(field, errors.ToDictionary().Keys);
    }
}
