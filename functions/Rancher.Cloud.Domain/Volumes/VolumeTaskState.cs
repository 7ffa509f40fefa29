namespace Rancher.Cloud.Domain.Volumes;

/// <summary>Where a volume task stands: handed out when its host asks, ended by its host's result.</summary>
public static class VolumeTaskState
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";

    public static bool IsActive(string state) => state is Pending or Running;
}
