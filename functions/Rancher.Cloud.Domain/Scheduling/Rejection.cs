namespace Rancher.Cloud.Domain.Scheduling;

/// <summary>Why one host cannot take one instance: the constraint and a sentence for the user.</summary>
public sealed record Rejection(string HostId, string Constraint, string Reason);

/// <summary>Names of the constraints a host can fail. Reasons are data, so "why not here" is always answerable.</summary>
public static class Constraints
{
    public const string HostActive = "host-active";
    public const string PortsFree = "ports-free";
    public const string NoHosts = "no-hosts";
    public const string HostLabel = "host-label";
    public const string Affinity = "affinity";
    public const string AntiAffinity = "anti-affinity";
    public const string Resources = "resources";
    public const string RecentlyFailed = "recently-failed";
    public const string Addresses = "addresses";
    public const string SharedNetwork = "shared-network";
    public const string VolumeHost = "volume-host";
}
