using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Agents;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Functions;

/// <summary>
/// The agent's API: register with a token, then with the host credential fetch the plan,
/// report, heartbeat.
/// POST v1/agent/register · GET v1/agent/plan · POST v1/agent/report · POST v1/agent/heartbeat
/// </summary>
public sealed class AgentApi(RegistrationService registration, AgentService agents)
{
    [Function(nameof(RegisterHost))]
    [Access(Audience.Anonymous)] // authenticated by the registration token in the body
    [Operation("Register a host with a registration token; returns its credential (shown once)", Body = typeof(RegistrationRequest), Response = typeof(RegistrationResponse), Status = 201)]
    public async Task<IResult> RegisterHost(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/agent/register")] HttpRequest req, CancellationToken ct) =>
        await ApiResults.CreatedAsync(req, (RegistrationRequest b) => registration.RegisterAsync(b, ct), ct);

    [Function(nameof(GetPlan))]
    [Access(Audience.Agent)]
    [Operation("The calling host's plan (If-None-Match answers 304)", Response = typeof(HostPlan))]
    public async Task<IResult> GetPlan(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/agent/plan")] HttpRequest req, CancellationToken ct)
    {
        var plan = await agents.PlanAsync(req.Host(), ct);
        if (plan is null)
        {
            return Results.NoContent();
        }
        var etag = AgentService.ETagOf(plan);
        req.HttpContext.Response.Headers.ETag = etag;
        return req.Headers.IfNoneMatch.Contains(etag)
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Json(plan, ApiJson.Options);
    }

    [Function(nameof(ReportHost))]
    [Access(Audience.Agent)]
    [Operation("Report what the host observed after converging", Body = typeof(HostReport), Status = 204)]
    public async Task<IResult> ReportHost(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/agent/report")] HttpRequest req, CancellationToken ct) =>
        await ApiResults.NoContentAsync(req, (HostReport b) => agents.ReportAsync(req.Host(), b, ct), ct);

    [Function(nameof(Heartbeat))]
    [Access(Audience.Agent)]
    [Operation("Heartbeat with host facts; answers the newest plan version and a fresh signal channel", Body = typeof(Heartbeat), Response = typeof(HeartbeatResponse))]
    public async Task<IResult> Heartbeat(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/agent/heartbeat")] HttpRequest req, CancellationToken ct) =>
        await ApiResults.OkAsync(req, (Heartbeat b) => agents.HeartbeatAsync(req.Host(), b, ct), ct);
}
