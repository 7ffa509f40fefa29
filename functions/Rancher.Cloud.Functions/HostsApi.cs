using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.Domain.Hosts;

namespace Rancher.Cloud.Functions;

/// <summary>
/// Hosts of an environment and the operator's actions on them.
/// GET …/hosts · GET …/hosts/{hostId} · POST …/hosts/{hostId}/deactivate | activate | evacuate | resolveConflict · DELETE …/hosts/{hostId}
/// </summary>
public sealed class HostsApi(HostsService hosts)
{
    private const string Collection = "api/v1/environments/{envId}/hosts";
    private const string Item = Collection + "/{hostId}";

    [Function(nameof(ListHosts))]
    [Access(Audience.Tenant)]
    [Operation("List an environment's hosts with state, facts and labels", Response = typeof(Page<HostDetails>), Paged = true)]
    public async Task<IResult> ListHosts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Collection)] HttpRequest req, string envId, CancellationToken ct) =>
        ApiResults.Page(await hosts.ListAsync(req.Tenant(), envId, ct), req);

    [Function(nameof(GetHost))]
    [Access(Audience.Tenant)]
    [Operation("Read a host", Response = typeof(HostDetails))]
    public async Task<IResult> GetHost(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Item)] HttpRequest req, string envId, string hostId, CancellationToken ct) =>
        ApiResults.Ok(await hosts.GetAsync(req.Tenant(), envId, hostId, ct));

    [Function(nameof(DeactivateHost))]
    [Access(Audience.Tenant)]
    [Operation("Deactivate a host: it keeps what runs and takes nothing new", Response = typeof(HostDetails))]
    public async Task<IResult> DeactivateHost(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Item + "/deactivate")] HttpRequest req, string envId, string hostId, CancellationToken ct) =>
        ApiResults.Ok(await hosts.ChangeAsync(req.Tenant(), envId, hostId, HostMode.Inactive, ct));

    [Function(nameof(ActivateHost))]
    [Access(Audience.Tenant)]
    [Operation("Activate a host again", Response = typeof(HostDetails))]
    public async Task<IResult> ActivateHost(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Item + "/activate")] HttpRequest req, string envId, string hostId, CancellationToken ct) =>
        ApiResults.Ok(await hosts.ChangeAsync(req.Tenant(), envId, hostId, HostMode.Active, ct));

    [Function(nameof(EvacuateHost))]
    [Access(Audience.Tenant)]
    [Operation("Evacuate a host: deactivate it and move its instances elsewhere", Response = typeof(HostDetails))]
    public async Task<IResult> EvacuateHost(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Item + "/evacuate")] HttpRequest req, string envId, string hostId, CancellationToken ct) =>
        ApiResults.Ok(await hosts.ChangeAsync(req.Tenant(), envId, hostId, HostMode.Evacuated, ct));

    [Function(nameof(ResolveHostConflict))]
    [Access(Audience.Tenant)]
    [Operation("Keep one of two machines that use a host's credential; the other registers as a new host", Body = typeof(ResolveConflictRequest), Response = typeof(HostDetails))]
    public async Task<IResult> ResolveHostConflict(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Item + "/resolveConflict")] HttpRequest req, string envId, string hostId, CancellationToken ct) =>
        await ApiResults.OkAsync(req, (ResolveConflictRequest b) => hosts.ResolveConflictAsync(req.Tenant(), envId, hostId, b, ct), ct);

    [Function(nameof(RemoveHost))]
    [Access(Audience.Tenant)]
    [Operation("Remove a host: its credential stops working and its instances move", Response = typeof(HostDetails))]
    public async Task<IResult> RemoveHost(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Item)] HttpRequest req, string envId, string hostId, CancellationToken ct) =>
        ApiResults.Ok(await hosts.ChangeAsync(req.Tenant(), envId, hostId, HostMode.Removed, ct));
}
