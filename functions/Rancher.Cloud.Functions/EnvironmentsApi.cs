using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.Domain.Access;

namespace Rancher.Cloud.Functions;

/// <summary>
/// Environments.
/// POST v1/environments · GET v1/environments · GET v1/environments/{envId} · PATCH v1/environments/{envId}
/// </summary>
public sealed class EnvironmentsApi(EnvironmentsService environments, PolicyService policies)
{
    [Function(nameof(CreateEnvironment))]
    [Access(Audience.Tenant)]
    [Operation("Create an environment", Body = typeof(CreateEnvironmentRequest), Response = typeof(EnvironmentView), Status = 201)]
    public async Task<IResult> CreateEnvironment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/environments")] HttpRequest req, CancellationToken ct) =>
        await ApiResults.CreatedAsync(req, (CreateEnvironmentRequest b) => environments.CreateAsync(req.Tenant(), b, ct), ct);

    [Function(nameof(ListEnvironments))]
    [Access(Audience.Tenant, OpenToEnvironmentKeys = true)]
    [Operation("List environments", Response = typeof(Page<EnvironmentView>), Paged = true)]
    public async Task<IResult> ListEnvironments(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/environments")] HttpRequest req, CancellationToken ct) =>
        ApiResults.Page((await environments.ListAsync(req.Tenant(), ct)).Items, req);

    [Function(nameof(GetEnvironment))]
    [Access(Audience.Tenant)]
    [Operation("Read an environment", Response = typeof(EnvironmentView))]
    public async Task<IResult> GetEnvironment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/environments/{envId}")] HttpRequest req, string envId, CancellationToken ct) =>
        ApiResults.Ok(await environments.GetAsync(req.Tenant(), envId, ct));

    [Function(nameof(UpdateEnvironment))]
    [Access(Audience.Tenant, Needs = Permission.Manage)]
    [Operation("Set an environment's host-access policy (owners): baseline, or privileged", Body = typeof(UpdateEnvironmentRequest), Response = typeof(EnvironmentView))]
    public async Task<IResult> UpdateEnvironment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "api/v1/environments/{envId}")] HttpRequest req, string envId, CancellationToken ct) =>
        await ApiResults.OkAsync(req, (UpdateEnvironmentRequest b) => policies.SetAsync(req.Tenant(), envId, b, ct), ct);
}
