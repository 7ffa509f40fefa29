using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Agents;
using Rancher.Cloud.ControlPlane.Http;

namespace Rancher.Cloud.Functions;

/// <summary>
/// Registration tokens of an environment; the secret and the one-liner are shown at creation only.
/// POST/GET api/v1/environments/{envId}/registrationTokens ·
/// POST …/registrationTokens/{tokenId}/rotate · DELETE …/registrationTokens/{tokenId}
/// </summary>
public sealed class RegistrationTokensApi(RegistrationTokens tokens)
{
    private const string Collection = "api/v1/environments/{envId}/registrationTokens";

    [Function(nameof(CreateRegistrationToken))]
    [Access(Audience.Tenant)]
    [Operation("Create a registration token and its install one-liner (shown once)", Response = typeof(RegistrationTokenCreated), Status = 201)]
    public async Task<IResult> CreateRegistrationToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Collection)] HttpRequest req, string envId, CancellationToken ct) =>
        ApiResults.From(await tokens.CreateAsync(req.Tenant(), envId, ct), ApiResults.Created);

    [Function(nameof(ListRegistrationTokens))]
    [Access(Audience.Tenant)]
    [Operation("List registration tokens (never their secrets)", Response = typeof(Page<RegistrationTokenView>), Paged = true)]
    public async Task<IResult> ListRegistrationTokens(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Collection)] HttpRequest req, string envId, CancellationToken ct) =>
        ApiResults.Page(await tokens.ListAsync(req.Tenant(), envId, ct), req);

    [Function(nameof(RotateRegistrationToken))]
    [Access(Audience.Tenant)]
    [Operation("Revoke a registration token and create its replacement", Response = typeof(RegistrationTokenCreated), Status = 201)]
    public async Task<IResult> RotateRegistrationToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Collection + "/{tokenId}/rotate")] HttpRequest req, string envId, string tokenId, CancellationToken ct) =>
        ApiResults.From(await tokens.RotateAsync(req.Tenant(), envId, tokenId, ct), ApiResults.Created);

    [Function(nameof(RevokeRegistrationToken))]
    [Access(Audience.Tenant)]
    [Operation("Revoke a registration token", Status = 204)]
    public async Task<IResult> RevokeRegistrationToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Collection + "/{tokenId}")] HttpRequest req, string envId, string tokenId, CancellationToken ct) =>
        ApiResults.From(await tokens.RevokeAsync(req.Tenant(), envId, tokenId, ct), _ => Results.NoContent());
}
