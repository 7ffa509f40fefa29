using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.ControlPlane.Volumes;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Functions;

/// <summary>
/// The agent's volume tasks, with the host credential.
/// GET v1/agent/tasks · POST v1/agent/tasks/{taskId}/progress · POST v1/agent/tasks/{taskId}/result
/// </summary>
public sealed class AgentTasksApi(VolumeTasksService tasks)
{
    [Function(nameof(GetHostTasks))]
    [Access(Audience.Agent)]
    [Operation("The calling host's volume tasks to do, with the means to reach the backup container", Response = typeof(IReadOnlyList<VolumeTask>))]
    public async Task<IResult> GetHostTasks(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AgentRoutes.Tasks)] HttpRequest req, CancellationToken ct) =>
        ApiResults.Ok(await tasks.ForHostAsync(req.Host(), ct));

    [Function(nameof(ReportTaskProgress))]
    [Access(Audience.Agent)]
    [Operation("How far one of the host's tasks has come", Body = typeof(VolumeTaskProgress), Status = 204)]
    public async Task<IResult> ReportTaskProgress(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AgentRoutes.Tasks + "/{taskId}/progress")] HttpRequest req, string taskId, CancellationToken ct) =>
        await ApiResults.NoContentAsync(req, (VolumeTaskProgress b) => tasks.ProgressAsync(req.Host(), taskId, b, ct), ct);

    [Function(nameof(ReportTaskResult))]
    [Access(Audience.Agent)]
    [Operation("How one of the host's tasks ended", Body = typeof(VolumeTaskResult), Status = 204)]
    public async Task<IResult> ReportTaskResult(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = AgentRoutes.Tasks + "/{taskId}/result")] HttpRequest req, string taskId, CancellationToken ct) =>
        await ApiResults.NoContentAsync(req, (VolumeTaskResult b) => tasks.ResultAsync(req.Host(), taskId, b, ct), ct);
}
