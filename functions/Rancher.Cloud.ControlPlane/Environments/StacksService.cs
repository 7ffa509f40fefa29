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
        if (draft.Variables is { } variables && !Bounds.TooMany(variables.Count, StackDraft.MaxVariables, "variables", errors))
        {
            foreach (var (key, value) in variables.Where(v => !IsVariableName(v.Key) || v.Value is null || v.Value.Length > Bounds.MaxArgumentLength))
            {
                errors.Add($"variables.{key}", $"names are letters, digits and '_' (not first a digit), at most 256; values strings of at most {Bounds.MaxArgumentLength} characters");
            }
        }
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

    private async Task<List<Service>> StackServicesAsync(TableEntity stackRow, CancellationToken ct)
    {
        var name = stackRow.GetString("Name");
        var result = new List<Service>();
        await foreach (var row in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(stackRow.PartitionKey, StateRows.ServicePrefix), cancellationToken: ct))
        {
            var service = StateRows.ToService(row);
            if (!service.Deleting && service.Spec.Stack == name)
            {
                result.Add(service);
            }
        }
        return result;
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
