namespace Rancher.Cloud.Agent;

/// <summary>
/// The agent's settings, from the command line (<c>--url</c>, <c>--token</c>, …) or
/// <c>RANCHER_AGENT_*</c> environment variables.
/// </summary>
public sealed class AgentOptions
{
    /// <summary>The control plane's base URL.</summary>
    public string Url { get; set; } = "";

    /// <summary>Registration token; needed only until the host has its own credential.</summary>
    public string Token { get; set; } = "";

    /// <summary>Where the host credential is kept between restarts.</summary>
    public string StateDir { get; set; } = "/var/lib/rancher-cloud-agent";

    /// <summary>The Docker Engine API endpoint.</summary>
    public string Docker { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>The name the host is listed under; Docker's host name when empty.</summary>
    public string? Hostname { get; set; }

    /// <summary>Labels for scheduling rules, from repeated <c>--label key=value</c>.</summary>
    public Dictionary<string, string> Labels { get; } = new(StringComparer.Ordinal);

    /// <summary>How often the plan is fetched when no signal arrives.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The address other hosts reach this host's tunnel at; the address of the default route's interface when empty.</summary>
    public string? AdvertiseAddress { get; set; }

    /// <summary>The UDP port of this host's WireGuard tunnel.</summary>
    public int WireGuardPort { get; set; } = 51820;

    /// <summary>How often the agent heartbeats; three missed ones mark the host disconnected.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a container no longer planned keeps running before it is stopped: the balancers
    /// that sent to it take it out in the same plan revision, and this lets them do so first.
    /// </summary>
    public TimeSpan DeregistrationDelay { get; set; } = TimeSpan.FromSeconds(2);
}
