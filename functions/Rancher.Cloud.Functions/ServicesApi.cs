using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Upgrades;

namespace Rancher.Cloud.Functions;

/// <summary>
/// Services of an environment.
/// POST   v1/environments/{envId}/services
/// GET    v1/environments/{envId}/services
/// GET    v1/environments/{envId}/services/{serviceId}
/// PATCH  v1/environments/{envId}/services/{serviceId}
/// DELETE v1/environments/{envId}/services/{serviceId}
/// POST   v1/environments/{envId}/services/{serviceId}/upgrade
/// POST   v1/environments/{envId}/services/{serviceId}/upgrade/{pause|resume|rollback|finish}
/// POST   v1/environments/{envId}/services/{serviceId}/rollback
/// POST   v1/environments/{envId}/services/{serviceId}/clone
/// POST   v1/environments/{envId}/services/{serviceId}/switch
/// POST   v1/environments/{envId}/services/{serviceId}/switch/{rollback|finish}
/// </summary>
public sealed class ServicesApi(ServicesService services, ClonesService clones)
{
    private const string Collection = "api/v1/environments/{envId}/services";
    private const string Item = "api/v1/environments/{envId}/services/{serviceId}";

    [Function(nameof(CreateService))]
    [Access(Audience.Tenant)]
    [Operation("Create a service; it is placed and deployed at once", Body = typeof(ServiceDraft), Response = typeof(ServiceView), Status = 201)]
    public async Task<IResult> CreateService(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Collection)] HttpRequest req, string envId, CancellationToken ct) =>
        await ApiResults.CreatedAsync(req, (ServiceDraft b) => services.CreateAsync(req.Tenant(), envId, b, ct), ct);

    [Function(nameof(ListServices))]
    [Access(Audience.Tenant)]
    [Operation("List services with their instances", Response = typeof(Page<ServiceView>), Paged = true)]
    public async Task<IResult> ListServices(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Collection)] HttpRequest req, string envId, CancellationToken ct) =>
        ApiResults.Page(await services.ListAsync(req.Tenant(), envId, ct), req);

    [Function(nameof(GetService))]
    [Access(Audience.Tenant)]
    [Operation("Read a service, its instances and placement reasons (ETag)", Response = typeof(ServiceView))]
    public async Task<IResult> GetService(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Item)] HttpRequest req, string envId, string serviceId, CancellationToken ct) =>
        ApiResults.Tagged(await services.GetAsync(req.Tenant(), envId, serviceId, ct), req);

    [Function(nameof(PatchService))]
    [Access(Audience.Tenant)]
    [Operation("Change a service: scale, launch configuration (a rolling upgrade), balancer rules, upgrade policy (If-Match)", Body = typeof(ServicePatch), Response = typeof(ServiceView))]
    public async Task<IResult> PatchService(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = Item)] HttpRequest req, string envId, string serviceId, CancellationToken ct) =>
        await ApiResults.TaggedAsync(req, (ServicePatch b) => services.PatchAsync(req.Tenant(), envId, serviceId, b, ApiResults.IfMatch(req), ct), ct);

    [Function(nameof(DeleteService))]
    [Access(Audience.Tenant)]
    [Operation("Delete a service and its containers (If-Match)", Status = 204)]
    public async Task<IResult> DeleteService(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Item)] HttpRequest req, string envId, string serviceId, CancellationToken ct) =>
        ApiResults.From(await services.DeleteAsync(req.Tenant(), envId, serviceId, ApiResults.IfMatch(req), ct), _ => Results.NoContent());

    [Function(nameof(UpgradeService))]
    [Access(Audience.Tenant)]
    [Operation("Upgrade a service to new launch fields; its upgradePolicy applies to this change only (If-Match)", Body = typeof(ServicePatch), Response = typeof(ServiceView))]
    public async Task<IResult> UpgradeService(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Item + "/upgrade")] HttpRequest req, string envId, string serviceId, CancellationToken ct) =>
        await ApiResults.TaggedAsync(req, (ServicePatch b) => services.PatchAsync(req.Tenant(), envId, serviceId, b, ApiResults.IfMatch(req), ct, policyForThisChange: true), ct);

    [Function(nameof(ActOnUpgrade))]
    [Access(Audience.Tenant)]
    [Operation("Pause, resume, roll back or finish a service's upgrade; 409 says why when it does not apply (If-Match)", Response = typeof(ServiceView))]
    public async Task<IResult> ActOnUpgrade(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Item + "/upgrade/{action}")] HttpRequest req, string envId, string serviceId, string action, CancellationToken ct) =>
        ApiResults.Tagged(await services.ActAsync(req.Tenant(), envId, serviceId, action, ApiResults.IfMatch(req), ct), req);

    [Function(nameof(RollBackService))]
    [Access(Audience.Tenant)]
    [Operation("Roll a service back to a kept launch configuration ({version} from previousVersions; {} for the previous one): the upgrade in flight turns back, or a rolling upgrade to it starts (If-Match)",
        Body = typeof(ServiceRollback), Response = typeof(ServiceView))]
    public async Task<IResult> RollBackService(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Item + "/rollback")] HttpRequest req, string envId, string serviceId, CancellationToken ct) =>
        await ApiResults.TaggedAsync(req, (ServiceRollback b) => services.RollBackAsync(req.Tenant(), envId, serviceId, b, ApiResults.IfMatch(req), ct), ct);

    [Function(nameof(CloneService))]
    [Access(Audience.Tenant)]
    [Operation("Clone a service as a candidate with new launch fields ({name?, scale?, launch}): placed and checked like any service, reachable under its own name only, until a switch",
        Body = typeof(ServiceCloneDraft), Response = typeof(ServiceView), Status = 201)]
    public async Task<IResult> CloneService(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Item + "/clone")] HttpRequest req, string envId, string serviceId, CancellationToken ct) =>
        await ApiResults.CreatedAsync(req, (ServiceCloneDraft b) => clones.CloneAsync(req.Tenant(), envId, serviceId, b, ct), ct);

    [Function(nameof(SwitchService))]
    [Access(Audience.Tenant)]
    [Operation("Switch a service's traffic to its candidate ({weight?}: a canary's percentage of balancer traffic; 100, the default, moves its DNS name too); refused until the candidate answers in full",
        Body = typeof(TrafficSwitchDraft), Response = typeof(ServiceView))]
    public async Task<IResult> SwitchService(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Item + "/switch")] HttpRequest req, string envId, string serviceId, CancellationToken ct) =>
        await ApiResults.OkAsync(req, (TrafficSwitchDraft b) => clones.SwitchAsync(req.Tenant(), envId, serviceId, b, ct), ct);

    [Function(nameof(ActOnSwitch))]
    [Access(Audience.Tenant)]
    [Operation("Roll a switch back (all traffic to the service again, in one step) or finish it (the service's containers go, its name stays as an alias of the candidate, balancers name the candidate)", Response = typeof(ServiceView))]
    public async Task<IResult> ActOnSwitch(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Item + "/switch/{action}")] HttpRequest req, string envId, string serviceId, string action, CancellationToken ct) =>
        ApiResults.Ok(action switch
        {
            "rollback" => await clones.SwitchBackAsync(req.Tenant(), envId, serviceId, ct),
            "finish" => await clones.FinishAsync(req.Tenant(), envId, serviceId, ct),
            _ => Rancher.Cloud.Domain.Errors.Failure.NotFound("The switch action"),
        });
}
