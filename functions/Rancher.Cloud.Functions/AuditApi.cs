using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.ControlPlane.Tenancy;

namespace Rancher.Cloud.Functions;

/// <summary>
/// The audit log, newest first, a page at a time (<c>?limit=&amp;cursor=</c>).
/// GET v1/environments/{envId}/audit · GET v1/audit (the tenant's own: members, keys, environments)
/// </summary>
public sealed class AuditApi(AuditLog audit, EnvironmentsService environments)
{
    [Function(nameof(ReadEnvironmentAudit))]
    [Access(Audience.Tenant)]
    [Operation("Read an environment's audit log, newest first", Response = typeof(AuditPage), Paged = true)]
    public async Task<IResult> ReadEnvironmentAudit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/environments/{envId}/audit")] HttpRequest req, string envId, CancellationToken ct)
    {
        if ((await environments.GetAsync(req.Tenant(), envId, ct)).Failure is { } missing)
        {
            return ApiResults.Problem(missing);
        }
        return ApiResults.Ok(await audit.ReadAsync(req.Tenant(), envId, ApiQuery.Limit(req), ApiQuery.Cursor(req), ct));
    }

    [Function(nameof(ReadTenantAudit))]
    [Access(Audience.Tenant)]
    [Operation("Read the tenant's own audit log (members, keys, environments), newest first", Response = typeof(AuditPage), Paged = true)]
    public async Task<IResult> ReadTenantAudit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/audit")] HttpRequest req, CancellationToken ct) =>
        ApiResults.Ok(await audit.ReadAsync(req.Tenant(), null, ApiQuery.Limit(req), ApiQuery.Cursor(req), ct));
}
