using System.Text.Json;
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
using Rancher.Cloud.Domain.Upgrades;

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
        var refusedPolicy = new FieldErrors();
        var policy = UpgradePolicyDraft.Check(draft.UpgradePolicy, UpgradePolicy.Default, "upgradePolicy", refusedPolicy);
        if (!refusedPolicy.IsEmpty)
        {
            return Failure.Invalid(refusedPolicy);
        }
        var service = new Service(ids.NewId('s'), spec, scale, clock.GetUtcNow()) { Policy = draft.UpgradePolicy is null ? null : policy };
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
            return await SubmitNewServiceAsync(actions, spec.Name, ct);
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
        var services = await ServicesAsync(Tables.EnvironmentKey(caller.TenantId, environmentId), ct);
        var refused = new List<string>();
        foreach (var folder in services.Select(s => s.Spec).GroupBy(s => s.Stack ?? "\0" + s.Name))
        {
            var members = folder.ToList();
            var errors = PolicyGuard.RefusalsAt(level, members, i => $"{members[i].QualifiedName}:").ToDictionary();
            refused.AddRange(members.Select(m => m.QualifiedName).Where(name => errors.Keys.Any(k => k.StartsWith(name + ":", StringComparison.Ordinal))));
        }
        // An upgrade in flight may still return to its other version (a rollback, by hand or on failure): it must fit too.
        foreach (var service in services.Where(s => s.Upgrading && !refused.Contains(s.Spec.QualifiedName)))
        {
            var other = service.Upgrade!.Target == service.Upgrade.To ? service.Upgrade.From : service.Upgrade.To;
            if (service.History.FirstOrDefault(h => h.Version == other) is { } kept && !PolicyGuard.RefusalsAt(level, [kept.Spec], _ => "").IsEmpty)
            {
                refused.Add(service.Spec.QualifiedName);
            }
        }
        return refused;
    }

    /// <summary>Writes a new service's rows; its name row's 409 says the name is taken.</summary>
    internal async Task<Outcome<bool>> SubmitNewServiceAsync(List<TableTransactionAction> writes, string name, CancellationToken ct)
    {
        try
        {
            await tables.State.SubmitTransactionAsync(writes, ct);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            return Failure.Conflict($"A service named '{name}' already exists in this environment.");
        }
        return true;
    }

    /// <summary>What the environment's services (not those being deleted) say they are.</summary>
    public async Task<List<ServiceSpec>> SpecsAsync(string partition, CancellationToken ct) =>
        [.. (await ServicesAsync(partition, ct)).Select(s => s.Spec)];

    internal async Task<List<Service>> ServicesAsync(string partition, CancellationToken ct) =>
        [.. (await ServiceRowsAsync(partition, ct)).Select(r => r.Service)];

    /// <summary>The environment's services (none being deleted), each with the row it was read from, for writes guarded by its ETag.</summary>
    internal async Task<List<(TableEntity Row, Service Service)>> ServiceRowsAsync(string partition, CancellationToken ct)
    {
        var services = new List<(TableEntity, Service)>();
        await foreach (var row in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, StateRows.ServicePrefix), cancellationToken: ct))
        {
            if (StateRows.ToService(row) is { Deleting: false } service)
            {
                services.Add((row, service));
            }
        }
        return services;
    }

    /// <summary>The row of the service whose traffic is switched to <paramref name="candidate"/>; null when none is.</summary>
    private async Task<TableEntity?> SwitchedToAsync(string partition, Service candidate, CancellationToken ct) =>
        candidate.CandidateOf is { } of && await tables.State.FindAsync(partition, StateRows.ServicePrefix + of, ct) is { } row
            && StateRows.ToService(row).Traffic?.CandidateId == candidate.Id
            ? row
            : null;

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

    /// <summary>
    /// Changes a service. New launch fields start a rolling upgrade under the service's policy
    /// (given in the same patch, it is kept for later changes too); <paramref name="policyForThisChange"/>
    /// is the upgrade action's: a policy for this one change, the service's own left as it is.
    /// </summary>
    public async Task<Outcome<ServiceView>> PatchAsync(
        TenantCaller caller, string environmentId, string serviceId, ServicePatch patch, string? ifMatch, CancellationToken ct, bool policyForThisChange = false)
    {
        var patched = await Contention.RetryAsync(() => PatchOnceAsync(caller, environmentId, serviceId, patch, ifMatch, policyForThisChange, ct), "The service", ct);
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
        TenantCaller caller, string environmentId, string serviceId, ServicePatch patch, string? ifMatch, bool policyForThisChange, CancellationToken ct)
    {
        var row = await ServiceRowAsync(caller, environmentId, serviceId, ct);
        if (row is null)
        {
            return Failure.NotFound("The service");
        }
        var stored = StateRows.ToService(row);
        if (!EntityTags.Satisfies(ifMatch, TagOf(stored)))
        {
            return Failure.Stale("The service");
        }
        var errors = new FieldErrors();
        if (policyForThisChange && !patch.ChangesLaunch)
        {
            errors.Add("image", "an upgrade changes the launch configuration: give at least one launch field (image, command, environment, …)");
        }
        if (patch.Scale is { } scale && stored.Spec.Scheduling.Global)
        {
            errors.Add("scale", "a global service runs one instance on every matching host; it has no scale");
        }
        else if (patch.Scale is > 0 && (stored.Spec.Alias is not null || stored.Spec.External is not null))
        {
            errors.Add("scale", "an alias or external service runs nothing; it has no scale");
        }
        else if (patch.Scale is { } wanted)
        {
            ServiceSpec.CheckScale(wanted, "scale", errors);
        }
        var spec = LaunchPatch.Apply(stored.Spec, patch, errors) ?? stored.Spec;
        if (patch.LoadBalancer is { } asked && BalancerPatch.Apply(stored.Spec, asked, errors) is { } rebalanced)
        {
            spec = rebalanced;
            foreach (var (field, reasons) in BalancerTargets.Check(spec, [.. (await SpecsAsync(row.PartitionKey, ct)).Where(s => s.QualifiedName != spec.QualifiedName), spec], await CertificateNamesAsync(row.PartitionKey, ct)).ToDictionary())
            {
                errors.Add(field, string.Join("; ", reasons));
            }
        }
        var policy = UpgradePolicyDraft.Check(patch.UpgradePolicy, stored.Policy ?? UpgradePolicy.Default, "upgradePolicy", errors);
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        var hostAccess = await PolicyGuard.ReadAsync(tables, row.PartitionKey, ct);
        if (patch.ChangesLaunch && hostAccess.Refusals([spec], _ => "") is { IsEmpty: false } beyond)
        {
            return Failure.Invalid(beyond);
        }
        if (patch.ChangesLaunch && await FolderRefusalsAsync(row.PartitionKey, spec, hostAccess.Level, ct) is { IsEmpty: false } shared)
        {
            return Failure.Invalid(shared);
        }
        if (patch.Scale is null && ReferenceEquals(spec, stored.Spec) && patch.UpgradePolicy is null)
        {
            return true;
        }
        if (policyForThisChange && LaunchVersion.Of(spec) == stored.Version)
        {
            return Failure.Conflict($"The service already runs launch configuration {stored.Version}: there is nothing to upgrade.");
        }
        if (patch.Scale == 0 && await SwitchedToAsync(row.PartitionKey, stored, ct) is { } originalRow)
        {
            return Failure.Conflict($"The service takes traffic of service {StateRows.ToService(originalRow).Spec.QualifiedName} it is a candidate for: switch that back before scaling it to nothing.");
        }
        var now = clock.GetUtcNow();
        var basis = stored with { Scale = patch.Scale ?? stored.Scale, Policy = policyForThisChange || patch.UpgradePolicy is null ? stored.Policy : policy };
        var (changed, refused) = ServiceUpgrades.Change(basis, spec, patch.UpgradePolicy is null ? null : policy, await HasInstancesAsync(row.PartitionKey, serviceId, ct), now);
        if (changed is null)
        {
            return Failure.Conflict($"The service cannot change version now: {refused}.");
        }
        var what = string.Join(" and ", new[]
        {
            patch.Scale is { } to && to != stored.Scale ? $"scaled from {stored.Scale} to {to}" : null,
            patch.LoadBalancer is null ? null : "given new balancer rules",
            changed.Version != stored.Version && spec.Balancer is null ? $"given launch configuration {changed.Version}" : null,
            patch.UpgradePolicy is not null && !policyForThisChange ? "given a new upgrade policy" : null,
        }.OfType<string>());
        List<TableTransactionAction> writes = [new(TableTransactionActionType.UpdateReplace, StateRows.ToRow(row.PartitionKey, changed), row.ETag)];
        if (patch.ChangesLaunch && PolicyGuard.NeedsMoreThanBaseline([spec]))
        {
            writes.Add(hostAccess.Claim()); // the policy it was allowed by must still hold when it commits
        }
        if (what.Length > 0)
        {
            writes.Add(Events.EventRows.Add(row.PartitionKey, new(EventTypes.ServiceChanged, stored.Id, $"service {spec.QualifiedName} {what}"), now));
        }
        if (changed.Upgrade is { } started && !ReferenceEquals(started, stored.Upgrade))
        {
            var order = ServiceUpgrades.OrderFor(changed, started.Policy) == UpgradeOrder.StartFirst ? "start-first" : "stop-first";
            writes.Add(Events.EventRows.Add(row.PartitionKey, new(EventTypes.UpgradeStarted, stored.Id,
                $"{spec.QualifiedName}: upgrade from version {started.From} to {started.To} started, {started.Policy.BatchSize} at a time, {order}"), now.AddTicks(1)));
        }
        await tables.State.SubmitTransactionAsync(writes, ct); // a 412 (the row moved) is read again by Contention
        return true;
    }

    /// <summary>Pause, resume, roll back or finish the service's upgrade; 409 with the reason when the action does not apply.</summary>
    public async Task<Outcome<ServiceView>> ActAsync(TenantCaller caller, string environmentId, string serviceId, string action, string? ifMatch, CancellationToken ct)
    {
        // Exact names only: Enum.TryParse would also take numbers and comma lists ("resume,rollback" is Finish).
        UpgradeAction? named = action switch
        {
            "pause" => UpgradeAction.Pause,
            "resume" => UpgradeAction.Resume,
            "rollback" => UpgradeAction.Rollback,
            "finish" => UpgradeAction.Finish,
            _ => null,
        };
        if (named is not { } asked)
        {
            return Failure.NotFound("The upgrade action");
        }
        var kind = asked switch { UpgradeAction.Pause => "paused", UpgradeAction.Resume => "resumed", UpgradeAction.Rollback => "rolling-back", _ => "finished" };
        return await DecideAsync(caller, environmentId, serviceId, ifMatch, $"The upgrade cannot {(asked == UpgradeAction.Rollback ? "roll back" : action)}",
            (stored, now, _) => Task.FromResult(ServiceUpgrades.Act(stored, asked, now)),
            (stored, _) => new(EventTypes.UpgradeKind + kind, stored.Id, $"{stored.Spec.QualifiedName}: the upgrade to version {stored.Upgrade!.To} {kind.Replace('-', ' ')} by member {caller.MemberId}"),
            ct);
    }

    /// <summary>
    /// Roll the service back to a kept launch configuration (null: the previous one): the upgrade in
    /// flight turns back when it came from that version; otherwise a rolling upgrade to it starts.
    /// </summary>
    public async Task<Outcome<ServiceView>> RollBackAsync(TenantCaller caller, string environmentId, string serviceId, ServiceRollback rollback, string? ifMatch, CancellationToken ct)
    {
        if (rollback.Version is { } version && !LaunchVersion.IsWellFormed(version))
        {
            return Failure.Invalid("version", "is a launch configuration version: 12 hexadecimal digits, as previousVersions lists them");
        }
        return await DecideAsync(caller, environmentId, serviceId, ifMatch, "The service cannot roll back",
            async (stored, now, partition) => ServiceUpgrades.RollBackTo(stored, rollback.Version, await HasInstancesAsync(partition, stored.Id, ct), now),
            (stored, changed) => changed.Upgrade switch
            {
                { State: UpgradeState.RollingBack } => new(EventTypes.UpgradeKind + "rolling-back", stored.Id, $"{stored.Spec.QualifiedName}: the upgrade to version {stored.Upgrade!.To} rolling back by member {caller.MemberId}"),
                { } started when !ReferenceEquals(started, stored.Upgrade) => new(EventTypes.UpgradeStarted, stored.Id,
                    $"{stored.Spec.QualifiedName}: rollback from version {stored.Version} to {changed.Version} started by member {caller.MemberId}, {started.Policy.BatchSize} at a time"),
                _ => new(EventTypes.ServiceChanged, stored.Id, $"service {stored.Spec.QualifiedName} given launch configuration {changed.Version} again (a rollback) by member {caller.MemberId}"),
            },
            ct);
    }

    /// <summary>
    /// One decision on the service's upgrade, written with its event: <paramref name="decide"/> gives
    /// the service as it becomes, or why not (a 409). A launch configuration that returns from the
    /// history must still be within the environment's host-access policy as it is now.
    /// </summary>
    private async Task<Outcome<ServiceView>> DecideAsync(
        TenantCaller caller, string environmentId, string serviceId, string? ifMatch, string refusal,
        Func<Service, DateTimeOffset, string, Task<(Service? Service, string? Refused)>> decide,
        Func<Service, Service, EnvironmentEvent> describe, CancellationToken ct)
    {
        var acted = await Contention.RetryAsync<bool>(async () =>
        {
            var row = await ServiceRowAsync(caller, environmentId, serviceId, ct);
            if (row is null)
            {
                return Failure.NotFound("The service");
            }
            var stored = StateRows.ToService(row);
            if (!EntityTags.Satisfies(ifMatch, TagOf(stored)))
            {
                return Failure.Stale("The service"); // aimed at the upgrade of a version that is no longer the service's
            }
            var now = clock.GetUtcNow();
            var (changed, refused) = await decide(stored, now, row.PartitionKey);
            if (changed is null)
            {
                return Failure.Conflict($"{refusal}: {refused}.");
            }
            List<TableTransactionAction> writes =
            [
                new(TableTransactionActionType.UpdateReplace, StateRows.ToRow(row.PartitionKey, changed), row.ETag),
                Events.EventRows.Add(row.PartitionKey, describe(stored, changed), now),
            ];
            if (!ReferenceEquals(changed.Spec, stored.Spec) && PolicyGuard.NeedsMoreThanBaseline([changed.Spec]))
            {
                var hostAccess = await PolicyGuard.ReadAsync(tables, row.PartitionKey, ct);
                var beyond = hostAccess.Refusals([changed.Spec], _ => "");
                if (beyond.IsEmpty)
                {
                    beyond = await FolderRefusalsAsync(row.PartitionKey, changed.Spec, hostAccess.Level, ct);
                }
                if (!beyond.IsEmpty)
                {
                    return Failure.Conflict($"{refusal}: version {changed.Version} needs host access the environment's policy no longer allows ({string.Join("; ", beyond.ToDictionary().SelectMany(f => f.Value))}).");
                }
                writes.Add(hostAccess.Claim());
            }
            await tables.State.SubmitTransactionAsync(writes, ct);
            return true;
        }, "The service", ct);
        if (acted.Failure is { } failure)
        {
            return failure;
        }
        await reconciler.ReconcileAsync(caller.TenantId, environmentId, ct);
        return await GetAsync(caller, environmentId, serviceId, ct);
    }

    /// <summary>
    /// A stack's services share its folder on each host: a changed service's relative binds are
    /// checked with the others' (<see cref="HostAccessPolicy.CheckFolder"/>), as an import checks them.
    /// </summary>
    internal async Task<FieldErrors> FolderRefusalsAsync(string partition, ServiceSpec spec, PolicyLevel level, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (spec.Stack is not { } stack || !spec.Volumes.Any(v => v.IsRelativeBind))
        {
            return errors;
        }
        var together = (await SpecsAsync(partition, ct)).Where(s => s.Stack == stack && s.Name != spec.Name).Append(spec).ToList();
        foreach (var (index, field, reason) in HostAccessPolicy.CheckFolder(together, level))
        {
            errors.Add(index == together.Count - 1 ? field : "volumes", reason);
        }
        return errors;
    }

    /// <summary>The service's entity tag: what its clients change, so the platform's upgrade progress never makes an If-Match stale.</summary>
    private static string TagOf(Service service) =>
        EntityTags.Of(string.Join('\n', JsonSerializer.Serialize(service.Spec), service.Scale, JsonSerializer.Serialize(service.Policy)));

    /// <summary>The ids of the services that have instance rows (placed, running or leaving): one query for a whole stack.</summary>
    internal async Task<HashSet<string>> WithInstancesAsync(string partition, CancellationToken ct)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, StateRows.InstancePrefix), select: ["ServiceId"], cancellationToken: ct))
        {
            ids.Add(row.GetString("ServiceId"));
        }
        return ids;
    }

    /// <summary>Whether any instance row of the service exists (placed, running or leaving).</summary>
    private async Task<bool> HasInstancesAsync(string partition, string serviceId, CancellationToken ct)
    {
        var filter = StateRows.PrefixFilter(partition, StateRows.InstancePrefix + serviceId + "~");
        await foreach (var _ in tables.State.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: ct))
        {
            return true;
        }
        return false;
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
        var service = StateRows.ToService(row);
        if (!EntityTags.Satisfies(ifMatch, TagOf(service)))
        {
            return Failure.Stale("The service");
        }
        if (service.Traffic is not null)
        {
            return Failure.Conflict("The service's traffic is switched to its candidate: switch it back or finish the switch first.");
        }
        if (await SwitchedToAsync(row.PartitionKey, service, ct) is { } switchedTo)
        {
            return Failure.Conflict($"The service takes traffic of service {StateRows.ToService(switchedTo).Spec.QualifiedName} it is a candidate for: switch that back first.");
        }
        // A switch to it after this read fails the delete: the original's row is part of it, unchanged.
        var originalRow = service.CandidateOf is { } of ? await tables.State.FindAsync(row.PartitionKey, StateRows.ServicePrefix + of, ct) : null;
        if ((await ServicesAsync(row.PartitionKey, ct)).FirstOrDefault(s => s.CandidateOf == service.Id) is { } candidate)
        {
            return Failure.Conflict($"The service has a candidate, {candidate.Spec.QualifiedName}: delete it, or switch to it and finish, first.");
        }
        List<TableTransactionAction> guard = originalRow is null ? [] : [new(TableTransactionActionType.UpdateMerge, new TableEntity(row.PartitionKey, originalRow.RowKey), originalRow.ETag)]; // no switch to it meanwhile
        await tables.State.SubmitTransactionAsync(
        [
            .. guard,
            new(TableTransactionActionType.UpdateMerge, new TableEntity(row.PartitionKey, row.RowKey) { ["Deleting"] = true }, row.ETag),
            new(TableTransactionActionType.Delete, StateRows.NameRow(row.PartitionKey, service), ETag.All),
            Events.EventRows.Add(row.PartitionKey, new(EventTypes.ServiceDeleted, service.Id, $"service {service.Spec.QualifiedName} deleted"), clock.GetUtcNow()),
        ], ct);
        return true;
    }

    internal async Task<TableEntity?> ServiceRowAsync(TenantCaller caller, string environmentId, string serviceId, CancellationToken ct)
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
                with { ETag = TagOf(s) })
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
                Version = service.VersionOf(i),
                RetiringSince = i.RetiringSince,
            };
        }).ToList();
        var unplaced = status?.Unplaced ?? 0;
        // A global service's scale is however many hosts it runs on.
        var scale = service.Spec.Scheduling.Global ? placed.Count : service.Scale;
        // An upgrade in flight is what the service is doing, whatever its instances say.
        var state = service.Upgrading
            ? UpgradeMachine.Name(service.Upgrade!.State)
            : ServiceStates.Of(service.Spec, scale, unplaced, placed.Where(i => i.RetiringSince is null).Select(i => observed.GetValueOrDefault(i.Id)?.AsState()).ToList());
        return new ServiceView(service.Id, service.Spec, scale, state, instanceViews,
            unplaced > 0 ? new PlacementView(unplaced, status!.Reasons) : null, service.CreatedAt)
        {
            Version = service.Version,
            Upgrade = service.Upgrade is { } u
                ? new UpgradeView(UpgradeMachine.Name(u.State), u.From, u.To, u.StartedAt, u.StateSince, u.Batches, u.Reason, UpgradeViews.Of(u.Policy, service))
                : null,
            UpgradePolicy = UpgradeViews.Of(service.Policy ?? UpgradePolicy.Default, service),
            PreviousVersions = service.History.Select(h => new VersionView(h.Version, h.Spec.Image, h.Since)).ToList(),
            CandidateOf = service.CandidateOf,
            Traffic = service.Traffic is { } t ? new TrafficView(t.CandidateId, t.Weight, t.Since) : null,
        };
    }
}
