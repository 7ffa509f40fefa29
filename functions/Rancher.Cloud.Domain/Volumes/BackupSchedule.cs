using Cronos;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Volumes;

/// <summary>
/// When a volume (or each named volume of a service) is backed up, and how long its scheduled
/// backups are kept: the newest <see cref="KeepLast"/>, and none older than <see cref="KeepDays"/>.
/// </summary>
public sealed record BackupSchedule(string Cron, string TimeZone, int KeepLast, int KeepDays)
{
    public const int MaxKeepLast = 1000;
    public const int MaxKeepDays = 3650;

    /// <summary>The next run after <paramref name="after"/>, in the schedule's time zone (daylight saving as Cronos handles it).</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after) =>
        CronExpression.Parse(Cron, Fields(Cron)).GetNextOccurrence(after, TimeZoneInfo.FindSystemTimeZoneById(TimeZone));

    /// <summary>The schedule <paramref name="draft"/> asks for, or null with the reasons in <paramref name="errors"/> (which must start empty).</summary>
    public static BackupSchedule? Check(BackupScheduleDraft? draft, FieldErrors errors)
    {
        if (draft is null)
        {
            errors.Add("", "a body is required");
            return null;
        }
        if (draft.Cron is not { Length: > 0 and <= 100 } cron)
        {
            errors.Add("cron", "is required: five fields (minute hour day month weekday), or six with seconds first");
        }
        else
        {
            try
            {
                CronExpression.Parse(cron, Fields(cron));
            }
            catch (CronFormatException e)
            {
                errors.Add("cron", $"is not a cron expression: {e.Message}");
            }
        }
        var zone = draft.TimeZone ?? "UTC";
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            errors.Add("timeZone", $"'{zone}' is not a time zone (an IANA name such as Europe/Paris)");
        }
        if (draft.KeepLast is null && draft.KeepDays is null)
        {
            errors.Add("keepLast", "a schedule keeps its backups by count, by age, or both: give keepLast or keepDays");
        }
        if (draft.KeepLast is { } last && last is < 1 or > MaxKeepLast)
        {
            errors.Add("keepLast", $"must be between 1 and {MaxKeepLast}: a retention of zero would delete every backup it makes");
        }
        if (draft.KeepDays is { } days && days is < 1 or > MaxKeepDays)
        {
            errors.Add("keepDays", $"must be between 1 and {MaxKeepDays}");
        }
        return !errors.IsEmpty ? null : new BackupSchedule(draft.Cron!, zone, draft.KeepLast ?? MaxKeepLast, draft.KeepDays ?? MaxKeepDays);
    }

    private static CronFormat Fields(string cron) =>
        cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
}

/// <summary>A schedule as the API receives it.</summary>
public sealed record BackupScheduleDraft(string? Cron, string? TimeZone, int? KeepLast, int? KeepDays);
