using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Http;

namespace Rancher.Cloud.Functions;

/// <summary>
/// Hosts of an environment.
/// GET v1/environments/{envId}/hosts
/// </summary>
public sealed class HostsApi(HostsService hosts)
{
    [Function(nameof(ListHosts))]
    [Access(Audience.Tenant)]
    public async Task<IResult> ListHosts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/environments/{envId}/hosts")] HttpRequest req, string envId, CancellationToken ct) =>
        ApiResults.Page(await hosts.ListAsync(req.Tenant(), envId, ct), req);
}
