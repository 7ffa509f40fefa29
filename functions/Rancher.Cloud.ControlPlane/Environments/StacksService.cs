using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Reconciliation;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Stacks;

namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>
/// Stacks: a compose file imported as a group of services, created, exported and deleted
/// together. The stack and all its services are written in one transaction, so a stack is
/// never half there.
/// </summary>
public sealed class StacksService(
    Tables tables,
    EnvironmentsService environments,
    ServicesService services,
    Reconciler reconciler,
    Acme.AcmeQueue acme,
    IIdGenerator ids,
    TimeProvider clock)
{
    public async Task<Outcome<StackView>> CreateAsync(TenantCaller caller, string environmentId, StackDraft draft, CancellationToken ct)
    {
        var environment = await environments.GetAsync(caller, environmentId, ct);
        if (environment.Failure is { } missing)
        {
            return missing;
        }
        var errors = new FieldErrors();
        var name = ResourceName.Check(draft.Name, "name", errors);
        CheckVariables(draft, errors);
        if (name is null || !errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        var id = ids.NewId('k');
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        var wantsCertificates = false;
        var created = await Contention.RetryAsync<bool>(async () =>
        {
            var policy = await PolicyGuard.ReadAsync(tables, partition, ct);
            var read = ComposeReader.Read(name, draft.Compose, draft.Variables, policy.Level, await services.SpecsAsync(partition, ct), await services.CertificateNamesAsync(partition, ct));
            if (read.Failure is { } invalid)
            {
                return invalid;
            }
            var stack = read.Value!;
            wantsCertificates = Domain.Certificates.AcmeCertificates.Wanted(stack.Services.Select(s => s.Spec)).Count > 0;
            var now = clock.GetUtcNow();
            var actions = StateRows.ToRows(partition, id, stack, now).Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)).ToList();
            foreach (var service in stack.Services)
            {
                var row = new Service(ids.NewId('s'), service.Spec, service.Scale, now) { Policy = service.Policy };
                actions.Add(new(TableTransactionActionType.Add, StateRows.NameRow(partition, row)));
                actions.Add(new(TableTransactionActionType.Add, StateRows.ToRow(partition, row)));
            }
            actions.Add(Events.EventRows.Add(partition, new(Domain.Events.EventTypes.StackImported, id, $"stack {name} imported with {stack.Services.Count} service(s)"), now));
            if (PolicyGuard.NeedsMoreThanBaseline(stack.Services.Select(s => s.Spec).ToList()))
            {
                actions.Add(policy.Claim()); // the policy it was allowed by must still hold when it commits
            }
            try
            {
                await tables.State.SubmitTransactionAsync(actions, ct);
            }
            catch (TableTransactionFailedException e) when (e.Status == 409)
            {
                return Failure.Conflict($"A stack named '{name}' already exists in this environment.");
            }
            return true;
        }, "The environment's policy", ct);
        if (created.Failure is { } failure)
        {
            return failure;
        }
        await reconciler.ReconcileAsync(caller.TenantId, environmentId, ct);
        if (wantsCertificates)
        {
            await acme.TryEnqueueAsync(caller.TenantId, environmentId, ct);
        }
        return await GetAsync(caller, environmentId, id, ct);
    }

    private static void CheckVariables(StackDraft draft, FieldErrors errors)
    {
        if (draft.Variables is { } variables && !Bounds.TooMany(variables.Count, StackDraft.MaxVariables, "variables", errors))
        {
            foreach (var (key, value) in variables.Where(v => !IsVariableName(v.Key) || v.Value is null || v.Value.Length > Bounds.MaxArgumentLength))
            {
                errors.Add($"variables.{key}", $"names are letters, digits and '_' (not first a digit), at most 256; values strings of at most {Bounds.MaxArgumentLength} characters");
            }
        }
    }

    /// <summary>
    /// The stack revised from a changed compose file (<c>rancher-compose up --upgrade</c>): each
    /// service whose launch configuration changed upgrades under its <c>update_config</c>, new
    /// ones are created, and those no longer in the file are deleted only when
    /// <paramref name="removeMissing"/> says so. All of it is one transaction; a dry run answers
    /// the same plan and writes nothing.
    /// </summary>
    public async Task<Outcome<StackRevisionView>> ReviseAsync(
        TenantCaller caller, string environmentId, string stackId, StackDraft draft, bool dryRun, bool removeMissing, CancellationToken ct)
    {
        var errors = new FieldErrors();
        CheckVariables(draft, errors);
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        var wantsCertificates = false;
        var revised = await Contention.RetryAsync<(StackRevision Revision, bool Written)>(async () =>
        {
            var stackRow = await StackRowAsync(caller, environmentId, stackId, ct);
            if (stackRow is null)
            {
                return Failure.NotFound("The stack");
            }
            var stored = StateRows.ToStack(stackRow);
            if (draft.Name is { } asked && asked != stored.Name)
            {
                return Failure.Invalid("name", $"a stack keeps its name ('{stored.Name}'); leave it out or give the same");
            }
            var partition = stackRow.PartitionKey;
            var policy = await PolicyGuard.ReadAsync(tables, partition, ct);
            var read = ComposeReader.Read(stored.Name, draft.Compose, draft.Variables, policy.Level, await services.SpecsAsync(partition, ct), await services.CertificateNamesAsync(partition, ct));
            if (read.Failure is { } invalid)
            {
                return invalid;
            }
            var next = read.Value!;
            // A candidate (clone → switch) is not of the file: the switch decides its fate.
            var all = await StackServiceRowsAsync(stackRow, ct);
            var members = all.Where(m => m.Service.CandidateOf is null).ToList();
            var running = await services.WithInstancesAsync(partition, ct);
            var now = clock.GetUtcNow();
            var (revision, refused) = StackRevision.Of([.. members.Select(m => m.Service)], next, removeMissing, s => running.Contains(s.Id), now);
            if (revision is null)
            {
                return Failure.Conflict($"The stack cannot be revised now: {string.Join("; ", refused.Select(r => $"{r.Key}: {r.Value}"))}.");
            }
            if (revision.Added.FirstOrDefault(a => all.Any(m => m.Service.CandidateOf is not null && m.Service.Spec.Name == a.Spec.Name)) is { } taken)
            {
                return Failure.Invalid($"services.{taken.Spec.Name}", "is the name of a candidate (clone → switch) in this stack; finish or delete it, or name the service otherwise");
            }
            if (revision.Removed.FirstOrDefault(r => r.Traffic is not null || all.Any(m => m.Service.CandidateOf == r.Id)) is { } switching)
            {
                return Failure.Conflict($"The stack cannot be revised now: services.{switching.Spec.Name}: it has a candidate (clone → switch); finish or undo that before removing it.");
            }
            if (revision.Kept.Count > 0)
            {
                next = WithKeptDeclarations(next, stored.Definition); // what a kept service uses stays declared, so the export imports again
            }
            var declarationsChanged = JsonSerializer.Serialize(next with { Services = [] }) != JsonSerializer.Serialize(stored.Definition with { Services = [] });
            var actions = RevisionWrites(stackRow, stored, next, revision, members, now);
            if (PolicyGuard.NeedsMoreThanBaseline([.. next.Services.Select(s => s.Spec)]))
            {
                actions.Add(policy.Claim()); // the policy it was allowed by must still hold when it commits
            }
            if (actions.Count > EnvironmentState.MaxOperations)
            {
                return Failure.Invalid("compose", $"this revision needs {actions.Count} storage writes, over the {EnvironmentState.MaxOperations} one transaction holds; add or remove fewer services at once");
            }
            if (dryRun || revision.IsEmpty && !declarationsChanged)
            {
                return (revision, false); // a dry run is refused as the real one would be, and writes nothing
            }
            wantsCertificates = Domain.Certificates.AcmeCertificates.Wanted(next.Services.Select(s => s.Spec)).Count > 0;
            try
            {
                await tables.State.SubmitTransactionAsync(actions, ct); // a 412 (the stack or a service moved) is read again by Contention
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 404)
            {
                return Failure.Conflict("The stack changed while it was being revised; read it again and retry.");
            }
            return (revision, true);
        }, "The stack", ct);
        if (revised.Failure is { } failure)
        {
            return failure;
        }
        var changes = revised.Value.Revision.Changes.Select(StackChangeView.Of).ToList();
        if (!revised.Value.Written)
        {
            return new StackRevisionView(dryRun, changes, null);
        }
        await reconciler.ReconcileAsync(caller.TenantId, environmentId, ct);
        if (wantsCertificates)
        {
            await acme.TryEnqueueAsync(caller.TenantId, environmentId, ct);
        }
        var view = await GetAsync(caller, environmentId, stackId, ct);
        return view.Failure is { } gone ? gone : new StackRevisionView(false, changes, view.Value);
    }

    /// <summary>The revised file's declarations, with the earlier file's networks, volumes and secrets that it no longer declares.</summary>
    private static StackDefinition WithKeptDeclarations(StackDefinition next, StackDefinition earlier) => next with
    {
        Networks = [.. next.Networks.Union(earlier.Networks, StringComparer.Ordinal)],
        Volumes = [.. next.Volumes.Union(earlier.Volumes, StringComparer.Ordinal)],
        Secrets = earlier.Secrets.Concat(next.Secrets).GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal),
        VolumeLabels = earlier.VolumeLabels.Concat(next.VolumeLabels).GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal),
    };

    /// <summary>The writes of one revision: the stack's row, its services' rows (each guarded by the ETag read), and events.</summary>
    private List<TableTransactionAction> RevisionWrites(
        TableEntity read, StoredStack stored, StackDefinition next, StackRevision revision, List<(TableEntity Row, Service Service)> members, DateTimeOffset now)
    {
        var partition = read.PartitionKey;
        var stackRow = StateRows.StackRow(partition, stored.Id, next, stored.CreatedAt, [.. next.Services.Select(s => s.Spec.Name), .. revision.Kept.Select(s => s.Spec.Name)]);
        var etags = members.ToDictionary(m => m.Service.Id, m => m.Row.ETag, StringComparer.Ordinal);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, stackRow, read.ETag) };
        var at = now;
        foreach (var added in revision.Added)
        {
            var row = new Service(ids.NewId('s'), added.Spec, added.Scale, now) { Policy = added.Policy };
            actions.Add(new(TableTransactionActionType.Add, StateRows.NameRow(partition, row)));
            actions.Add(new(TableTransactionActionType.Add, StateRows.ToRow(partition, row)));
        }
        foreach (var (before, after) in revision.Changed)
        {
            actions.Add(new(TableTransactionActionType.UpdateReplace, StateRows.ToRow(partition, after), etags[before.Id]));
            if (after.Upgrade is { } started && !ReferenceEquals(started, before.Upgrade))
            {
                var order = Domain.Upgrades.ServiceUpgrades.OrderFor(after, started.Policy) == Domain.Upgrades.UpgradeOrder.StartFirst ? "start-first" : "stop-first";
                at = at.AddTicks(1);
                actions.Add(Events.EventRows.Add(partition, new(Domain.Events.EventTypes.UpgradeStarted, after.Id,
                    $"{after.Spec.QualifiedName}: upgrade from version {started.From} to {started.To} started by stack {stored.Name}'s revision, {started.Policy.BatchSize} at a time, {order}"), at));
            }
        }
        foreach (var removed in revision.Removed)
        {
            actions.Add(new(TableTransactionActionType.UpdateMerge, new TableEntity(partition, StateRows.ServicePrefix + removed.Id) { ["Deleting"] = true }, etags[removed.Id]));
            actions.Add(new(TableTransactionActionType.Delete, StateRows.NameRow(partition, removed), ETag.All));
        }
        var counts = revision.Changes.Where(c => c.Kind is not (StackChangeKind.Unchanged or StackChangeKind.Keep))
            .GroupBy(c => c.Kind).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}").ToList();
        actions.Add(Events.EventRows.Add(partition, new(Domain.Events.EventTypes.StackRevised, stored.Id, $"stack {stored.Name} revised: {(counts.Count == 0 ? "its declarations only" : string.Join(", ", counts))}"), now));
        return actions;
    }

    /// <summary>What <c>${NAME}</c> can name in a compose file.</summary>
    private static bool IsVariableName(string name) =>
        name.Length is > 0 and <= 256 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    public async Task<Outcome<Page<StackView>>> ListAsync(TenantCaller caller, string environmentId, CancellationToken ct)
    {
        var all = await services.ListAsync(caller, environmentId, ct);
        if (all.Failure is { } failure)
        {
            return failure;
        }
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        var stacks = new List<StackView>();
        await foreach (var row in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, StateRows.StackPrefix), cancellationToken: ct))
        {
            stacks.Add(ToView(row, all.Value!.Items));
        }
        return new Page<StackView>(stacks.OrderBy(s => s.CreatedAt).ToList());
    }

    public async Task<Outcome<StackView>> GetAsync(TenantCaller caller, string environmentId, string stackId, CancellationToken ct)
    {
        var row = await StackRowAsync(caller, environmentId, stackId, ct);
        if (row is null)
        {
            return Failure.NotFound("The stack");
        }
        var all = await services.ListAsync(caller, environmentId, ct);
        return all.Failure is { } failure ? failure : ToView(row, all.Value!.Items);
    }

    /// <summary>The stack as a compose file, with its services as they are now (scale included).</summary>
    public async Task<Outcome<string>> ExportAsync(TenantCaller caller, string environmentId, string stackId, CancellationToken ct)
    {
        var row = await StackRowAsync(caller, environmentId, stackId, ct);
        if (row is null)
        {
            return Failure.NotFound("The stack");
        }
        var stored = StateRows.ToStack(row);
        var members = (await StackServicesAsync(row, ct)).ToDictionary(s => s.Spec.Name, StringComparer.Ordinal);
        var current = stored.ServiceOrder.Where(members.ContainsKey).Select(n => new StackService(members[n].Spec, members[n].Scale) { Policy = members[n].Policy }).ToList();
        return ComposeWriter.Write(stored.Definition with { Services = current });
    }

    public async Task<Outcome<bool>> DeleteAsync(TenantCaller caller, string environmentId, string stackId, CancellationToken ct)
    {
        var row = await StackRowAsync(caller, environmentId, stackId, ct);
        if (row is null)
        {
            return Failure.NotFound("The stack");
        }
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Delete, row, row.ETag),
            new(TableTransactionActionType.Delete, StateRows.StackNameRow(row.PartitionKey, row.GetString("Name"), ""), ETag.All),
            Events.EventRows.Add(row.PartitionKey, new(Domain.Events.EventTypes.StackDeleted, stackId, $"stack {row.GetString("Name")} deleted with its services"), clock.GetUtcNow()),
        };
        foreach (var service in await StackServicesAsync(row, ct))
        {
            actions.Add(new(TableTransactionActionType.UpdateMerge, new TableEntity(row.PartitionKey, StateRows.ServicePrefix + service.Id) { ["Deleting"] = true }, ETag.All));
            actions.Add(new(TableTransactionActionType.Delete, StateRows.NameRow(row.PartitionKey, service), ETag.All));
        }
        try
        {
            await tables.State.SubmitTransactionAsync(actions, ct);
        }
        catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
        {
            return Failure.Conflict("The stack changed while it was being deleted; read it again and retry.");
        }
        await reconciler.ReconcileAsync(caller.TenantId, environmentId, ct);
        return true;
    }

    private async Task<List<Service>> StackServicesAsync(TableEntity stackRow, CancellationToken ct) =>
        [.. (await StackServiceRowsAsync(stackRow, ct)).Select(m => m.Service)];

    /// <summary>The stack's services (none being deleted), each with the row it was read from.</summary>
    private async Task<List<(TableEntity Row, Service Service)>> StackServiceRowsAsync(TableEntity stackRow, CancellationToken ct)
    {
        var name = stackRow.GetString("Name");
        return [.. (await services.ServiceRowsAsync(stackRow.PartitionKey, ct)).Where(r => r.Service.Spec.Stack == name)];
    }

    private async Task<TableEntity?> StackRowAsync(TenantCaller caller, string environmentId, string stackId, CancellationToken ct)
    {
        if ((await environments.GetAsync(caller, environmentId, ct)).Failure is not null || !RandomIds.IsWellFormed(stackId))
        {
            return null;
        }
        return await tables.State.FindAsync(Tables.EnvironmentKey(caller.TenantId, environmentId), StateRows.StackPrefix + stackId, ct);
    }

    private static StackView ToView(TableEntity row, IReadOnlyList<ServiceView> all)
    {
        var stored = StateRows.ToStack(row);
        var rank = stored.ServiceOrder.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        return new StackView(
            stored.Id,
            stored.Name,
            all.Where(s => s.Spec.Stack == stored.Name).OrderBy(s => rank.GetValueOrDefault(s.Spec.Name, int.MaxValue)).ToList(),
            stored.Definition.Ignored,
            stored.Definition.Warnings,
            stored.CreatedAt);
    }
}
