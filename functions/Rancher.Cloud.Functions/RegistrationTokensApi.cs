using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Agents;
using Rancher.Cloud.ControlPlane.Http;

namespace Rancher.Cloud.Functions;

/// <summary>
/// Registration tokens of an environment.
/// POST v1/environments/{envId}/registrationTokens
/// </summary>
public sealed class RegistrationTokensApi(RegistrationService registration)
{
    [Function(nameof(CreateRegistrationToken))]
    [Access(Audience.Tenant)]
    public async Task<IResult> CreateRegistrationToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/environments/{envId}/registrationTokens")] HttpRequest req,
        string envId,
        CancellationToken ct) =>
        ApiResults.From(
            await registration.CreateTokenAsync(req.Tenant(), envId, ct),
            ApiResults.Created);
}
