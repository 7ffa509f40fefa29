using Azure;
using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.ControlPlane.Reconciliation;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Balancing;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Events;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>
/// Services of an environment: create, read, scale, delete. Each write stores desired state
/// and then reconciles at once, so the answer already shows placements (or why not).
/// </summary>
public sealed class ServicesService(
    Tables tables,
    EnvironmentsService environments,
    Reconciler reconciler,
    Acme.AcmeQueue acme,
    IIdGenerator ids,
    TimeProvider clock)
{
    public async Task<Outcome<ServiceView>> CreateAsync(TenantCaller caller, string environmentId, ServiceDraft draft, CancellationToken ct)
    {
        var environment = await environments.GetAsync(caller, environmentId, ct);
        if (environment.Failure is { } missing)
        {
            return missing;
        }
        var checkedSpec = ServiceSpec.From(draft);
        if (checkedSpec.Failure is { } invalid)
        {
            return invalid;
        }
        var (spec, scale) = checkedSpec.Value;
        var service = new Service(ids.NewId('s'), spec, scale, clock.GetUtcNow());
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        var created = await Contention.RetryAsync<bool>(async () =>
        {
            if (BalancerTargets.Check(spec, [.. await SpecsAsync(partition, ct), spec], await CertificateNamesAsync(partition, ct)) is { IsEmpty: false } disagrees)
            {
                return Failure.Invalid(disagrees);
            }
            var policy = await PolicyGuard.ReadAsync(tables, partition, ct);
            if (policy.Refusals([spec], _ => "") is { IsEmpty: false } refused)
            {
                return Failure.Invalid(refused);
            }
            List<TableTransactionAction> actions =
            [
                new(TableTransactionActionType.Add, StateRows.NameRow(partition, service)),
                new(TableTransactionActionType.Add, StateRows.ToRow(partition, service)),
                Events.EventRows.Add(partition, new(EventTypes.ServiceCreated, service.Id, $"service {spec.QualifiedName} created, scale {scale}"), clock.GetUtcNow()),
            ];
            if (PolicyGuard.NeedsMoreThanBaseline([spec]))
            {
                actions.Add(policy.Claim()); // the policy it was allowed by must still hold when it commits
            }
            try
            {
                await tables.State.SubmitTransactionAsync(actions, ct);
            }
            catch (TableTransactionFailedException e) when (e.Status == 409)
            {
                return Failure.Conflict($"A service named '{spec.Name}' already exists in this environment.");
            }
            return true;
        }, "The environment's policy", ct);
        if (created.Failure is { } failure)
        {
            return failure;
        }
        await reconciler.ReconcileAsync(caller.TenantId, environmentId, ct);
        if (Domain.Certificates.AcmeCertificates.Wanted([service.Spec]).Count > 0)
        {
            await acme.TryEnqueueAsync(caller.TenantId, environmentId, ct);
        }
        return await GetAsync(caller, environmentId, service.Id, ct);
    }

    public async Task<Outcome<ServiceView>> GetAsync(TenantCaller caller, string environmentId, string serviceId, CancellationToken ct)
    {
        var views = await ViewsAsync(caller, environmentId, serviceId, ct);
        if (views.Failure is { } failure)
        {
            return failure;
        }
        return views.Value!.Items.Count == 1 ? views.Value.Items[0] : Failure.NotFound("The service");
    }

    /// <summary>The services of the environment that <paramref name="level"/> would refuse, by name; a stack's services are judged together.</summary>
    public async Task<IReadOnlyList<string>> RefusedByAsync(TenantCaller caller, string environmentId, PolicyLevel level, CancellationToken ct)
    {
        var specs = await SpecsAsync(Tables.EnvironmentKey(caller.TenantId, environmentId), ct);
        var refused = new List<string>();
        foreach (var folder in specs.GroupBy(s => s.Stack ?? "\0" + s.Name))
        {
            var members = folder.ToList();
            var errors = PolicyGuard.RefusalsAt(level, members, i => $"{members[i].QualifiedName}:").ToDictionary();
            refused.AddRange(members.Select(m => m.QualifiedName).Where(name => errors.Keys.Any(k => k.StartsWith(name + ":", StringComparison.Ordinal))));
        }
        return refused;
    }

    /// <summary>What the environment's services (not those being deleted) say they are.</summary>
    public async Task<List<ServiceSpec>> SpecsAsync(string partition, CancellationToken ct)
    {
        var specs = new List<ServiceSpec>();
        await foreach (var row in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, StateRows.ServicePrefix), cancellationToken: ct))
        {
            if (StateRows.ToService(row) is { Deleting: false } service)
            {
                specs.Add(service.Spec);
            }
        }
        return specs;
    }

    /// <summary>The names of the environment's certificates, which balancers may name.</summary>
    public async Task<HashSet<string>> CertificateNamesAsync(string partition, CancellationToken ct)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, Certificates.CertificateRows.Prefix), select: ["RowKey"], cancellationToken: ct))
        {
            names.Add(row.RowKey[Certificates.CertificateRows.Prefix.Length..]);
        }
        return names;
    }

    public Task<Outcome<Page<ServiceView>>> ListAsync(TenantCaller caller, string environmentId, CancellationToken ct) =>
        ViewsAsync(caller, environmentId, null, ct);

    public async Task<Outcome<ServiceView>> PatchAsync(
        TenantCaller caller, string environmentId, string serviceId, ServicePatch patch, string? ifMatch, CancellationToken ct)
    {
        var patched = await Contention.RetryAsync(() => PatchOnceAsync(caller, environmentId, serviceId, patch, ifMatch, ct), "The service", ct);
        if (patched.Failure is { } failure)
        {
            return failure;
        }
        await reconciler.ReconcileAsync(caller.TenantId, environmentId, ct);
        if (patch.LoadBalancer?.PortRules?.Any(r => r?.Acme == true) == true)
        {
            await acme.TryEnqueueAsync(caller.TenantId, environmentId, ct);
        }
        return await GetAsync(caller, environmentId, serviceId, ct);
    }

    /// <summary>One read-check-write; a 412 from storage means the row moved after the read, and <see cref="Contention"/> reads again.</summary>
    private async Task<Outcome<bool>> PatchOnceAsync(
        TenantCaller caller, string environmentId, string serviceId, ServicePatch patch, string? ifMatch, CancellationToken ct)
    {
        var row = await ServiceRowAsync(caller, environmentId, serviceId, ct);
        if (row is null)
        {
            return Failure.NotFound("The service");
        }
        if (!EntityTags.Satisfies(ifMatch, row.ETag))
        {
            return Failure.Stale("The service");
        }
        var stored = StateRows.ToService(row);
        var errors = new FieldErrors();
        if (patch.Scale is { } scale && stored.Spec.Scheduling.Global)
        {
            errors.Add("scale", "a global service runs one instance on every matching host; it has no scale");
        }
        else if (patch.Scale is { } wanted)
        {
            ServiceSpec.CheckScale(wanted, "scale", errors);
        }
        var spec = stored.Spec;
        if (patch.LoadBalancer is { } asked && BalancerPatch.Apply(stored.Spec, asked, errors) is { } rebalanced)
        {
            spec = rebalanced;
            foreach (var (field, reasons) in BalancerTargets.Check(spec, [.. (await SpecsAsync(row.PartitionKey, ct)).Where(s => s.QualifiedName != spec.QualifiedName), spec], await CertificateNamesAsync(row.PartitionKey, ct)).ToDictionary())
            {
                errors.Add(field, string.Join("; ", reasons));
            }
        }
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        if (patch.Scale is null && ReferenceEquals(spec, stored.Spec))
        {
            return true;
        }
        var changed = StateRows.ToRow(row.PartitionKey, stored with { Spec = spec, Scale = patch.Scale ?? stored.Scale });
        var what = string.Join(" and ", new[]
        {
            patch.Scale is { } to && to != stored.Scale ? $"scaled from {stored.Scale} to {to}" : null,
            ReferenceEquals(spec, stored.Spec) ? null : "given new balancer rules",
        }.OfType<string>());
        List<TableTransactionAction> writes = [new(TableTransactionActionType.UpdateMerge, changed, row.ETag)];
        if (what.Length > 0)
        {
            writes.Add(Events.EventRows.Add(row.PartitionKey, new(EventTypes.ServiceChanged, stored.Id, $"service {spec.QualifiedName} {what}"), clock.GetUtcNow()));
        }
        await tables.State.SubmitTransactionAsync(writes, ct); // a 412 (the row moved) is read again by Contention
        return true;
    }

    public async Task<Outcome<bool>> DeleteAsync(TenantCaller caller, string environmentId, string serviceId, string? ifMatch, CancellationToken ct)
    {
        var deleted = await Contention.RetryAsync(() => DeleteOnceAsync(caller, environmentId, serviceId, ifMatch, ct), "The service", ct);
        if (deleted.Failure is null)
        {
            await reconciler.ReconcileAsync(caller.TenantId, environmentId, ct);
        }
        return deleted;
    }

    private async Task<Outcome<bool>> DeleteOnceAsync(TenantCaller caller, string environmentId, string serviceId, string? ifMatch, CancellationToken ct)
    {
        var row = await ServiceRowAsync(caller, environmentId, serviceId, ct);
        if (row is null)
        {
            return Failure.NotFound("The service");
        }
        if (!EntityTags.Satisfies(ifMatch, row.ETag))
        {
            return Failure.Stale("The service");
        }
        var service = StateRows.ToService(row);
        await tables.State.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.UpdateMerge, new TableEntity(row.PartitionKey, row.RowKey) { ["Deleting"] = true }, row.ETag),
            new(TableTransactionActionType.Delete, StateRows.NameRow(row.PartitionKey, service), ETag.All),
            Events.EventRows.Add(row.PartitionKey, new(EventTypes.ServiceDeleted, service.Id, $"service {service.Spec.QualifiedName} deleted"), clock.GetUtcNow()),
        ], ct);
        return true;
    }

    private async Task<TableEntity?> ServiceRowAsync(TenantCaller caller, string environmentId, string serviceId, CancellationToken ct)
    {
        if ((await environments.GetAsync(caller, environmentId, ct)).Failure is not null || !RandomIds.IsWellFormed(serviceId))
        {
            return null;
        }
        var row = await tables.State.FindAsync(Tables.EnvironmentKey(caller.TenantId, environmentId), StateRows.ServicePrefix + serviceId, ct);
        return row?.GetBoolean("Deleting") == true ? null : row;
    }

    private async Task<Outcome<Page<ServiceView>>> ViewsAsync(TenantCaller caller, string environmentId, string? serviceId, CancellationToken ct)
    {
        var environment = await environments.GetAsync(caller, environmentId, ct);
        if (environment.Failure is { } failure)
        {
            return failure;
        }
        if (serviceId is not null && !RandomIds.IsWellFormed(serviceId))
        {
            return new Page<ServiceView>([]);
        }
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        var rows = serviceId is null
            ? await EnvironmentRows.ReadServicesAsync(tables, partition, ct)
            : await EnvironmentRows.ReadServiceAsync(tables, partition, serviceId, ct);
        var byService = rows.Instances.ToLookup(i => i.ServiceId, StringComparer.Ordinal);
        var views = rows.Services
            .Where(s => !s.Deleting)
            .OrderBy(s => s.CreatedAt)
            .Select(s => ToView(s, byService[s.Id], rows.Statuses.GetValueOrDefault(s.Id), rows.Observations)
                with { ETag = EntityTags.Of(rows.ETags[StateRows.ServicePrefix + s.Id]) })
            .ToList();
        return new Page<ServiceView>(views);
    }

    private static ServiceView ToView(Service service, IEnumerable<Instance> instances, ServiceStatus? status, Dictionary<string, Observation> observed)
    {
        var placed = instances.OrderBy(i => i.Slot).ToList();
        var instanceViews = placed.Select(i =>
        {
            var seen = observed.GetValueOrDefault(i.Id);
            return new InstanceView(i.Id, i.Slot, i.HostId, seen?.State ?? "scheduled", seen?.ContainerId, seen?.Error)
            {
                Health = seen?.Health,
                HealthOutput = seen?.HealthOutput,
                Address = i.Address,
            };
        }).ToList();
        var unplaced = status?.Unplaced ?? 0;
        // A global service's scale is however many hosts it runs on.
        var scale = service.Spec.Scheduling.Global ? placed.Count : service.Scale;
        var state = ServiceStates.Of(service.Spec, scale, unplaced, placed.Select(i => observed.GetValueOrDefault(i.Id)?.AsState()).ToList());
        return new ServiceView(service.Id, service.Spec, scale, state, instanceViews,
            unplaced > 0 ? new PlacementView(unplaced, status!.Reasons) : null, service.CreatedAt);
    }
}
