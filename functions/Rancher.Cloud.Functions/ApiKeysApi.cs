using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.ControlPlane.Tenancy;

namespace Rancher.Cloud.Functions;

/// <summary>
/// API keys of the caller's tenant: the secret is shown once, at creation.
/// POST v1/apiKeys · GET v1/apiKeys · DELETE v1/apiKeys/{keyId} (revoke)
/// </summary>
public sealed class ApiKeysApi(ApiKeysService keys)
{
    [Function(nameof(CreateApiKey))]
    [Access(Audience.Tenant)]
    [Operation("Create an API key (the secret is shown once)", Body = typeof(CreateApiKeyRequest), Response = typeof(ApiKeyCreated), Status = 201)]
    public async Task<IResult> CreateApiKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/v1/apiKeys")] HttpRequest req, CancellationToken ct) =>
        await ApiResults.CreatedAsync(req, (CreateApiKeyRequest b) => keys.CreateAsync(req.Tenant(), b, ct), ct);

    [Function(nameof(ListApiKeys))]
    [Access(Audience.Tenant)]
    [Operation("List API keys (never their secrets)", Response = typeof(Page<ApiKeyView>), Paged = true)]
    public async Task<IResult> ListApiKeys(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/apiKeys")] HttpRequest req, CancellationToken ct) =>
        ApiResults.Page(await keys.ListAsync(req.Tenant(), ct), req);

    [Function(nameof(RevokeApiKey))]
    [Access(Audience.Tenant)]
    [Operation("Revoke an API key", Status = 204)]
    public async Task<IResult> RevokeApiKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/v1/apiKeys/{keyId}")] HttpRequest req, string keyId, CancellationToken ct) =>
        ApiResults.From(await keys.RevokeAsync(req.Tenant(), keyId, ct), _ => Results.NoContent());
}
