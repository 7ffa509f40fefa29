using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Reconciliation;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Events;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Upgrades;

namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>
/// Clone → switch → rollback → finish (<see cref="ServiceClones"/>): each step is one transaction
/// of the rows it changes, guarded by the ETags they were read with, and then one reconcile, whose
/// plan revision moves the balancers' members and the DNS name together.
/// </summary>
public sealed class ClonesService(Tables tables, ServicesService services, Reconciler reconciler, IIdGenerator ids, TimeProvider clock)
{
    /// <summary>A candidate for the service: its spec with the draft's launch fields, under its own name, placed like any service.</summary>
    public async Task<Outcome<ServiceView>> CloneAsync(TenantCaller caller, string environmentId, string serviceId, ServiceCloneDraft draft, CancellationToken ct)
    {
        var candidateId = ids.NewId('s');
        var cloned = await Contention.RetryAsync<bool>(async () =>
        {
            var row = await services.ServiceRowAsync(caller, environmentId, serviceId, ct);
            if (row is null)
            {
                return Failure.NotFound("The service");
            }
            var original = StateRows.ToService(row);
            var errors = new FieldErrors();
            var name = ResourceName.Check(draft.Name ?? $"{original.Spec.Name}-next", "name", errors);
            if (draft.Scale is { } scale)
            {
                ServiceSpec.CheckScale(scale, "scale", errors);
            }
            var launch = draft.Launch ?? new ServicePatch();
            if (launch.Scale is not null || launch.LoadBalancer is not null || launch.UpgradePolicy is not null)
            {
                errors.Add("launch", "holds launch fields only (image, command, environment, …); give scale beside it");
            }
            var launchErrors = new FieldErrors();
            var spec = LaunchPatch.Apply(original.Spec, launch, launchErrors) ?? original.Spec;
            foreach (var (field, reasons) in launchErrors.ToDictionary())
            {
                foreach (var reason in reasons)
                {
                    errors.Add($"launch.{field}", reason); // named as sent: inside "launch"
                }
            }
            if (name is null || !errors.IsEmpty)
            {
                return Failure.Invalid(errors);
            }
            spec = spec with { Name = name };
            var everyone = await services.ServicesAsync(row.PartitionKey, ct);
            var (candidate, refused) = ServiceClones.Clone(original, spec, draft.Scale, candidateId, everyone.FirstOrDefault(s => s.CandidateOf == original.Id), clock.GetUtcNow());
            if (candidate is null)
            {
                return Failure.Conflict($"The service cannot be cloned: {refused}.");
            }
            var hostAccess = await PolicyGuard.ReadAsync(tables, row.PartitionKey, ct);
            if (hostAccess.Refusals([candidate.Spec], _ => "launch.") is { IsEmpty: false } beyond)
            {
                return Failure.Invalid(beyond);
            }
            if (await services.FolderRefusalsAsync(row.PartitionKey, candidate.Spec, hostAccess.Level, ct) is { IsEmpty: false } shared)
            {
                return Failure.Invalid(shared);
            }
            List<TableTransactionAction> writes =
            [
                new(TableTransactionActionType.UpdateMerge, new TableEntity(row.PartitionKey, row.RowKey), row.ETag), // the original as read: no candidate raced this one
                new(TableTransactionActionType.Add, StateRows.NameRow(row.PartitionKey, candidate)),
                new(TableTransactionActionType.Add, StateRows.ToRow(row.PartitionKey, candidate)),
                Events.EventRows.Add(row.PartitionKey, new(EventTypes.ServiceCloned, candidate.Id,
                    $"service {candidate.Spec.QualifiedName} cloned from {original.Spec.QualifiedName} as a candidate (version {candidate.Version}, scale {candidate.Scale}) by member {caller.MemberId}"), clock.GetUtcNow()),
            ];
            if (PolicyGuard.NeedsMoreThanBaseline([candidate.Spec]))
            {
                writes.Add(hostAccess.Claim());
            }
            return await services.SubmitNewServiceAsync(writes, candidate.Spec.Name, ct);
        }, "The service", ct);
        return await ThenAsync(cloned, caller, environmentId, candidateId, ct);
    }

    /// <summary>The service's traffic to its candidate: all of it, or a canary's percentage; refused until the candidate answers in full.</summary>
    public async Task<Outcome<ServiceView>> SwitchAsync(TenantCaller caller, string environmentId, string serviceId, TrafficSwitchDraft draft, CancellationToken ct)
    {
        var switched = await Contention.RetryAsync<bool>(async () =>
        {
            var row = await services.ServiceRowAsync(caller, environmentId, serviceId, ct);
            if (row is null)
            {
                return Failure.NotFound("The service");
            }
            var original = StateRows.ToService(row);
            if ((await services.ServiceRowsAsync(row.PartitionKey, ct)).FirstOrDefault(r => r.Service.CandidateOf == original.Id) is not ({ } candidateRow, { } candidate))
            {
                return Failure.Conflict("The service has no candidate to switch to: clone it first.");
            }
            var answering = await AnsweringAsync(caller, environmentId, candidate.Id, ct);
            var weight = draft.Weight ?? ServiceClones.MaxWeight;
            var now = clock.GetUtcNow();
            var (changed, refused) = ServiceClones.Switch(original, candidate, weight, answering, now);
            if (changed is null)
            {
                return weight is < ServiceClones.MinWeight or > ServiceClones.MaxWeight
                    ? Failure.Invalid("weight", refused!)
                    : Failure.Conflict($"The service's traffic cannot switch: {refused}.");
            }
            await tables.State.SubmitTransactionAsync(
            [
                new(TableTransactionActionType.UpdateReplace, StateRows.ToRow(row.PartitionKey, changed), row.ETag),
                new(TableTransactionActionType.UpdateMerge, new TableEntity(row.PartitionKey, candidateRow.RowKey), candidateRow.ETag), // not deleted meanwhile
                Events.EventRows.Add(row.PartitionKey, new(EventTypes.TrafficSwitched, original.Id,
                    $"{original.Spec.QualifiedName}: {weight}% of its traffic switched to {candidate.Spec.QualifiedName}{(weight == 100 ? ", its DNS name too" : " (a canary)")} by member {caller.MemberId}"), now),
            ], ct);
            return true;
        }, "The service", ct);
        return await ThenAsync(switched, caller, environmentId, serviceId, ct);
    }

    /// <summary>All of the service's traffic back to it, in one step.</summary>
    public async Task<Outcome<ServiceView>> SwitchBackAsync(TenantCaller caller, string environmentId, string serviceId, CancellationToken ct)
    {
        var back = await Contention.RetryAsync<bool>(async () =>
        {
            var row = await services.ServiceRowAsync(caller, environmentId, serviceId, ct);
            if (row is null)
            {
                return Failure.NotFound("The service");
            }
            var original = StateRows.ToService(row);
            var (changed, refused) = ServiceClones.SwitchBack(original);
            if (changed is null)
            {
                return Failure.Conflict($"The service's traffic cannot switch back: {refused}.");
            }
            var now = clock.GetUtcNow();
            await tables.State.SubmitTransactionAsync(
            [
                new(TableTransactionActionType.UpdateReplace, StateRows.ToRow(row.PartitionKey, changed), row.ETag),
                Events.EventRows.Add(row.PartitionKey, new(EventTypes.TrafficRolledBack, original.Id,
                    $"{original.Spec.QualifiedName}: all of its traffic back from its candidate by member {caller.MemberId}"), now),
            ], ct);
            return true;
        }, "The service", ct);
        return await ThenAsync(back, caller, environmentId, serviceId, ct);
    }

    /// <summary>
    /// The switch made final: the original's containers go and its name stays as an alias of the
    /// candidate, and balancers that named the original name the candidate; one transaction.
    /// </summary>
    public async Task<Outcome<ServiceView>> FinishAsync(TenantCaller caller, string environmentId, string serviceId, CancellationToken ct)
    {
        var finished = await Contention.RetryAsync<bool>(async () =>
        {
            var row = await services.ServiceRowAsync(caller, environmentId, serviceId, ct);
            if (row is null)
            {
                return Failure.NotFound("The service");
            }
            var original = StateRows.ToService(row);
            var rows = (await services.ServiceRowsAsync(row.PartitionKey, ct)).Where(r => r.Service.Id != original.Id).ToList();
            if (rows.FirstOrDefault(r => r.Service.CandidateOf == original.Id) is not ({ } candidateRow, { } candidate))
            {
                return Failure.Conflict("The service has no candidate: there is nothing to finish.");
            }
            var now = clock.GetUtcNow();
            var drain = ReconcilePlanner.DrainOf([.. rows.Select(r => r.Service), original], original);
            var (alias, promoted, refused) = ServiceClones.Finish(original, candidate, now, drain, await AnsweringAsync(caller, environmentId, candidate.Id, ct));
            if (alias is null || promoted is null)
            {
                return Failure.Conflict($"The switch cannot finish: {refused}.");
            }
            List<TableTransactionAction> writes =
            [
                new(TableTransactionActionType.UpdateReplace, StateRows.ToRow(row.PartitionKey, alias), row.ETag),
                new(TableTransactionActionType.UpdateReplace, StateRows.ToRow(row.PartitionKey, promoted), candidateRow.ETag),
            ];
            var retargeted = 0;
            foreach (var (balancerRow, balancer) in rows.Where(r => r.Service.Spec.Balancer is not null))
            {
                var spec = ServiceClones.Retarget(balancer.Spec, original.Spec.QualifiedName, candidate.Spec.QualifiedName);
                if (!ReferenceEquals(spec, balancer.Spec))
                {
                    writes.Add(new(TableTransactionActionType.UpdateReplace, StateRows.ToRow(row.PartitionKey, balancer with { Spec = spec }), balancerRow.ETag));
                    retargeted++;
                }
            }
            if (candidate.Spec.Stack is { } stack
                && await tables.State.FindAsync(row.PartitionKey, StateRows.StackNamePrefix + stack, ct) is { } stackName
                && await tables.State.FindAsync(row.PartitionKey, StateRows.StackPrefix + stackName.GetString("StackId"), ct) is { } stackRow
                && StateRows.ToStack(stackRow).ServiceOrder is var order && !order.Contains(candidate.Spec.Name))
            {
                // The candidate is now of the stack's file: its export writes it, and a revision knows it.
                writes.Add(new(TableTransactionActionType.UpdateMerge, StateRows.StackServiceNames(row.PartitionKey, stackRow.RowKey[StateRows.StackPrefix.Length..], [.. order, candidate.Spec.Name]), stackRow.ETag));
            }
            writes.Add(Events.EventRows.Add(row.PartitionKey, new(EventTypes.TrafficFinished, original.Id,
                $"{original.Spec.QualifiedName}: switch to {candidate.Spec.QualifiedName} finished by member {caller.MemberId}; its containers go, its name is an alias of the candidate, {retargeted} balancer(s) retargeted"), now));
            if (writes.Count > EnvironmentState.MaxOperations)
            {
                return Failure.Conflict($"The switch cannot finish in one transaction: {retargeted} balancers name the service; retarget some of them first.");
            }
            await tables.State.SubmitTransactionAsync(writes, ct);
            return true;
        }, "The service", ct);
        return await ThenAsync(finished, caller, environmentId, serviceId, ct);
    }

    /// <summary>How many of the service's instances run, pass their checks and have an address: those its balancers would send to.</summary>
    private async Task<int> AnsweringAsync(TenantCaller caller, string environmentId, string serviceId, CancellationToken ct) =>
        (await services.GetAsync(caller, environmentId, serviceId, ct)).Value?.Instances
            .Count(i => i.State == "running" && i.Health is null or "healthy" && i.RetiringSince is null && i.Address is not null) ?? 0;

    private async Task<Outcome<ServiceView>> ThenAsync(Outcome<bool> done, TenantCaller caller, string environmentId, string serviceId, CancellationToken ct)
    {
        if (done.Failure is { } failure)
        {
            return failure;
        }
        await reconciler.ReconcileAsync(caller.TenantId, environmentId, ct);
        return await services.GetAsync(caller, environmentId, serviceId, ct);
    }
}
