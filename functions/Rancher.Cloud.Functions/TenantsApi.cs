using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.ControlPlane.Tenancy;

namespace Rancher.Cloud.Functions;

/// <summary>
/// Tenants, for the SaaS operator (admin key).
/// POST v1/tenants · GET v1/tenants
/// </summary>
public sealed class TenantsApi(TenantsService tenants)
{
    [Function(nameof(CreateTenant))]
    [Access(Audience.Operator)]
    [Operation("Create a tenant with an owner and the owner's key (operator only; the key is shown once)", Body = typeof(CreateTenantRequest), Response = typeof(TenantCreated), Status = 201)]
    public async Task<IResult> CreateTenant(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/tenants")] HttpRequest req, CancellationToken ct) =>
        await ApiResults.CreatedAsync(req, (CreateTenantRequest b) => tenants.CreateAsync(b, ct), ct);

    [Function(nameof(ListTenants))]
    [Access(Audience.Operator)]
    [Operation("List tenants (operator only)", Response = typeof(Page<TenantView>), Paged = true)]
    public async Task<IResult> ListTenants(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/tenants")] HttpRequest req, CancellationToken ct) =>
        ApiResults.Page(await tenants.ListAsync(ct), req);
}
