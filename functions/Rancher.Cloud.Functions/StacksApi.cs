using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Http;

namespace Rancher.Cloud.Functions;

/// <summary>
/// Stacks: compose files imported as groups of services.
/// POST   v1/environments/{envId}/stacks
/// GET    v1/environments/{envId}/stacks
/// GET    v1/environments/{envId}/stacks/{stackId}
/// PUT    v1/environments/{envId}/stacks/{stackId}?dryRun=&amp;removeMissing=
/// GET    v1/environments/{envId}/stacks/{stackId}/compose
/// DELETE v1/environments/{envId}/stacks/{stackId}
/// </summary>
public sealed class StacksApi(StacksService stacks)
{
    private const string Collection = "api/v1/environments/{envId}/stacks";
    private const string Item = "api/v1/environments/{envId}/stacks/{stackId}";

    [Function(nameof(CreateStack))]
    [Access(Audience.Tenant)]
    [Operation("Import a docker-compose file as a stack; its services are placed and deployed at once", Body = typeof(StackDraft), Response = typeof(StackView), Status = 201)]
    public async Task<IResult> CreateStack(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Collection)] HttpRequest req, string envId, CancellationToken ct) =>
        await ApiResults.CreatedAsync(req, (StackDraft b) => stacks.CreateAsync(req.Tenant(), envId, b, ct), ct);

    [Function(nameof(ListStacks))]
    [Access(Audience.Tenant)]
    [Operation("List stacks with their services", Response = typeof(Page<StackView>), Paged = true)]
    public async Task<IResult> ListStacks(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Collection)] HttpRequest req, string envId, CancellationToken ct) =>
        ApiResults.Page(await stacks.ListAsync(req.Tenant(), envId, ct), req);

    [Function(nameof(GetStack))]
    [Access(Audience.Tenant)]
    [Operation("Read a stack, its services, and what its import ignored or warned about", Response = typeof(StackView))]
    public async Task<IResult> GetStack(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Item)] HttpRequest req, string envId, string stackId, CancellationToken ct) =>
        ApiResults.Ok(await stacks.GetAsync(req.Tenant(), envId, stackId, ct));

    [Function(nameof(ReviseStack))]
    [Access(Audience.Tenant)]
    [Operation("Revise a stack from a changed compose file: changed services upgrade (rolling, by their update_config), new ones are created, and missing ones are removed only with ?removeMissing=true; ?dryRun=true lists the changes and writes nothing",
        Body = typeof(StackDraft), Response = typeof(StackRevisionView), Flags = ["dryRun", "removeMissing"])]
    public async Task<IResult> ReviseStack(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Item)] HttpRequest req, string envId, string stackId, CancellationToken ct)
    {
        var (dryRun, removeMissing) = (ApiQuery.Flag(req, "dryRun"), ApiQuery.Flag(req, "removeMissing"));
        if ((dryRun.Failure ?? removeMissing.Failure) is { } invalid)
        {
            return ApiResults.Problem(invalid);
        }
        return await ApiResults.OkAsync(req, (StackDraft b) => stacks.ReviseAsync(req.Tenant(), envId, stackId, b, dryRun.Value, removeMissing.Value, ct), ct);
    }

    [Function(nameof(ExportStack))]
    [Access(Audience.Tenant)]
    [Operation("Export a stack as a docker-compose file that imports to the same stack", ContentType = "application/yaml")]
    public async Task<IResult> ExportStack(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Item + "/compose")] HttpRequest req, string envId, string stackId, CancellationToken ct) =>
        ApiResults.From(await stacks.ExportAsync(req.Tenant(), envId, stackId, ct), yaml => Results.Text(yaml, "application/yaml"));

    [Function(nameof(DeleteStack))]
    [Access(Audience.Tenant)]
    [Operation("Delete a stack, its services and their containers", Status = 204)]
    public async Task<IResult> DeleteStack(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Item)] HttpRequest req, string envId, string stackId, CancellationToken ct) =>
        ApiResults.From(await stacks.DeleteAsync(req.Tenant(), envId, stackId, ct), _ => Results.NoContent());
}
