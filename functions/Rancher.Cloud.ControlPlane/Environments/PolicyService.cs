using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>
/// Changes an environment's host-access policy. Owners only (the function's access rule says so);
/// lowering it is refused while services need more, naming them, since they would no longer start.
/// </summary>
public sealed class PolicyService(EnvironmentsService environments, ServicesService services)
{
    public async Task<Outcome<EnvironmentView>> SetAsync(TenantCaller caller, string environmentId, UpdateEnvironmentRequest request, CancellationToken ct)
    {
        if (request.Policy is null || HostAccessPolicy.Parse(request.Policy) is not { } level)
        {
            return Failure.Invalid("policy", "must be 'baseline' or 'privileged'");
        }
        if ((await environments.GetAsync(caller, environmentId, ct)).Failure is { } missing)
        {
            return missing;
        }
        if (await services.RefusedByAsync(caller, environmentId, level, ct) is { Count: > 0 } refused)
        {
            return Failure.Conflict($"Services need more than '{request.Policy}' allows: {string.Join(", ", refused)}; change or delete them first.");
        }
        return await environments.SetPolicyAsync(caller, environmentId, level, ct);
    }
}
