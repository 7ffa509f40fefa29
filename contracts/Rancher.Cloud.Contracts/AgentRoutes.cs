namespace Rancher.Cloud.Contracts;

/// <summary>Paths of the agent API, relative to the control plane's base URL.</summary>
public static class AgentRoutes
{
    public const string Register = "api/v1/agent/register";
    public const string Plan = "api/v1/agent/plan";
    public const string Report = "api/v1/agent/report";
    public const string Heartbeat = "api/v1/agent/heartbeat";

    /// <summary>The host's volume tasks; <c>{id}/progress</c> and <c>{id}/result</c> under it.</summary>
    public const string Tasks = "api/v1/agent/tasks";

    /// <summary>A certificate file a balancer on the host loads: <c>api/v1/agent/certificates/{file}</c>.</summary>
    public const string Certificates = "api/v1/agent/certificates";
}
