using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>
/// Changes an environment's settings: its host-access policy and its balancer image. Owners only
/// (the function's access rule says so); lowering the policy is refused while services need more,
/// naming them, since they would no longer start.
/// </summary>
public sealed class PolicyService(Tables tables, EnvironmentsService environments, ServicesService services, Reconciliation.Reconciler reconciler)
{
    public async Task<Outcome<EnvironmentView>> SetAsync(TenantCaller caller, string environmentId, UpdateEnvironmentRequest request, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (request.Policy is null && request.BalancerImage is null)
        {
            errors.Add("policy", "give policy, balancerImage or both");
        }
        var level = request.Policy is null ? (PolicyLevel?)null : HostAccessPolicy.Parse(request.Policy);
        if (request.Policy is not null && level is null)
        {
            errors.Add("policy", "must be 'baseline' or 'privileged'");
        }
        if (request.BalancerImage is { Length: > 0 } image)
        {
            ImageReference.Check(image, "balancerImage", errors);
        }
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        if ((await environments.GetAsync(caller, environmentId, ct)).Failure is { } missing)
        {
            return missing;
        }
        // The policy first: when it is refused, nothing of the request is written.
        if (level is { } wanted && (await SetPolicyAsync(caller, environmentId, wanted, request.Policy!, ct)).Failure is { } refused)
        {
            return refused;
        }
        if (request.BalancerImage is { } balancerImage)
        {
            await environments.SetBalancerImageAsync(caller, environmentId, balancerImage.Length == 0 ? null : balancerImage, ct);
            await reconciler.ReconcileAsync(caller.TenantId, environmentId, ct);
        }
        return await environments.GetAsync(caller, environmentId, ct);
    }

    private async Task<Outcome<EnvironmentView>> SetPolicyAsync(TenantCaller caller, string environmentId, PolicyLevel level, string asked, CancellationToken ct)
    {
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        var changed = await Contention.RetryAsync<bool>(async () =>
        {
            // Read the guard before the services: a service committed after this read moved its ETag.
            var guard = await PolicyGuard.ReadAsync(tables, partition, ct);
            if (await services.RefusedByAsync(caller, environmentId, level, ct) is { Count: > 0 } refused)
            {
                return Failure.Conflict($"Services need more than '{asked}' allows: {string.Join(", ", refused)}; change or delete them first.");
            }
            await tables.State.UpdateEntityAsync(
                new TableEntity(partition, StateRows.PolicyGuard) { ["Level"] = HostAccessPolicy.NameOf(level) }, guard.ETag, TableUpdateMode.Merge, ct);
            return true;
        }, "The environment's services", ct);
        return changed.Failure is { } failure ? failure : await environments.SetPolicyAsync(caller, environmentId, level, ct);
    }
}
