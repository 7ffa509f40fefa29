using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Balancing;

/// <summary>
/// A balancer instance's folder on the host. Its configuration (and certificates) are mounted
/// read-only into the container, so HAProxy can read but never change or replace what the agent
/// writes; only the folder of its sockets is writable. What the agent keeps for itself (the
/// configuration known to run, its shape) is not mounted at all.
/// </summary>
/// <param name="Root">The instance's folder under the agent's state.</param>
public sealed record BalancerFolder(string Root)
{
    private const string MountPath = "/balancer";

    /// <summary>The configuration as the container reads it.</summary>
    public const string ConfigInContainer = $"{MountPath}/config/haproxy.cfg";

    public const string AdminSocketInContainer = $"{MountPath}/run/admin.sock";

    public const string MasterSocketInContainer = $"{MountPath}/run/master.sock";

    public const string CertificatesInContainer = $"{MountPath}/config/certs";

    /// <summary>How the balancer's container runs HAProxy: master-worker, the master's CLI beside the admin socket.</summary>
    public static readonly string[] Command = ["haproxy", "-W", "-db", "-S", MasterSocketInContainer, "-f", ConfigInContainer];

    public static BalancerFolder Of(string stateDir, string instanceId) => new(Path.Combine(stateDir, "balancers", instanceId));

    public string ConfigDir => Path.Combine(Root, "config");

    public string RunDir => Path.Combine(Root, "run");

    public string ConfigFile => Path.Combine(ConfigDir, "haproxy.cfg");

    /// <summary>Certificate files (certificate, chain and key), under the read-only mount.</summary>
    public string CertificateDir => Path.Combine(ConfigDir, "certs");

    /// <summary>A configuration being checked, beside the one it may replace.</summary>
    public string NextFile => Path.Combine(ConfigDir, "haproxy.cfg.next");

    public const string NextInContainer = $"{MountPath}/config/haproxy.cfg.next";

    /// <summary>A copy of the configuration HAProxy is known to run.</summary>
    public string AppliedFile => Path.Combine(Root, "haproxy.applied");

    /// <summary>The configuration without members: while it stays, a change is members only.</summary>
    public string ShapeFile => Path.Combine(Root, "haproxy.shape");

    public string AdminSocket => Path.Combine(RunDir, "admin.sock");

    public string MasterSocket => Path.Combine(RunDir, "master.sock");

    /// <summary>The container's binds: the configuration read-only, the sockets' folder writable.</summary>
    public IReadOnlyList<string> Binds => [$"{ConfigDir}:{MountPath}/config:ro", $"{RunDir}:{MountPath}/run"];

    public BalancerFolder Create()
    {
        Directory.CreateDirectory(ConfigDir);
        Directory.CreateDirectory(RunDir);
        return this;
    }

    /// <summary>The configuration of <paramref name="balancer"/>, with the paths the container sees.</summary>
    public static string Render(PlannedBalancer balancer) => HaproxyConfig.Render(balancer, AdminSocketInContainer, CertificatesInContainer);
}
