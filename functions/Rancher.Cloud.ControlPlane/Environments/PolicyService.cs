using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>
/// Changes an environment's host-access policy. Owners only (the function's access rule says so);
/// lowering it is refused while services need more, naming them, since they would no longer start.
/// </summary>
public sealed class PolicyService(Tables tables, EnvironmentsService environments, ServicesService services)
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
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        var changed = await Contention.RetryAsync<bool>(async () =>
        {
            // Read the guard before the services: a service committed after this read moved its ETag.
            var guard = await PolicyGuard.ReadAsync(tables, partition, ct);
            if (await services.RefusedByAsync(caller, environmentId, level, ct) is { Count: > 0 } refused)
            {
                return Failure.Conflict($"Services need more than '{request.Policy}' allows: {string.Join(", ", refused)}; change or delete them first.");
            }
            await tables.State.UpdateEntityAsync(
                new TableEntity(partition, StateRows.PolicyGuard) { ["Level"] = HostAccessPolicy.NameOf(level) }, guard.ETag, TableUpdateMode.Merge, ct);
            return true;
        }, "The environment's services", ct);
        return changed.Failure is { } failure ? failure : await environments.SetPolicyAsync(caller, environmentId, level, ct);
    }
}
