using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Http;

namespace Rancher.Cloud.Functions;

/// <summary>
/// Environments.
/// POST v1/environments · GET v1/environments · GET v1/environments/{envId}
/// </summary>
public sealed class EnvironmentsApi(EnvironmentsService environments)
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
}
