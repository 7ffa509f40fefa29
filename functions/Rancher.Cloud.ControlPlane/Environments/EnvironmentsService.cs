using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Networking;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>Creates, lists and finds a tenant's environments. Another tenant's environment reads as not found.</summary>
public sealed class EnvironmentsService(Tables tables, IIdGenerator ids, TimeProvider clock)
{
    private const string NamePrefix = "name~";

    /// <summary>Environment networks of a tenant never overlap: each creation claims this guard with the networks it checked against.</summary>
    private const string NetworksGuard = "~networks";

    public Task<Outcome<EnvironmentView>> CreateAsync(TenantCaller caller, CreateEnvironmentRequest request, CancellationToken ct) =>
        Contention.RetryAsync(() => CreateOnceAsync(caller, request, ct), "The tenant's environments", ct);

    private async Task<Outcome<EnvironmentView>> CreateOnceAsync(TenantCaller caller, CreateEnvironmentRequest request, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var name = ResourceName.Check(request.Name, "name", errors);
        var guard = await GuardRow.ReadAsync(tables.Environments, caller.TenantId, NetworksGuard, ct);
        var others = new List<(string, Ipv4Cidr)>();
        var machinesUse = new List<Ipv4Cidr>();
        await foreach (var row in tables.Environments.QueryAsync<TableEntity>(r => r.PartitionKey == caller.TenantId, cancellationToken: ct))
        {
            if (Ipv4Cidr.TryParse(row.GetString("Cidr"), out var taken))
            {
                others.Add((row.GetString("Name"), taken));
                if (request.Cidr is null)
                {
                    machinesUse.AddRange(await MachineRangesAsync(caller.TenantId, row.RowKey, ct));
                }
            }
        }
        var cidr = EnvironmentNetwork.Check(request.Cidr, others, "cidr", errors, machinesUse);
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        var id = ids.NewId('e');
        var now = clock.GetUtcNow();
        // The state partition first: an environment row never points at missing state.
        await tables.State.AddEntityAsync(new TableEntity(Tables.EnvironmentKey(caller.TenantId, id), StateRows.Meta)
        {
            ["Revision"] = 0L,
            ["Cidr"] = cidr.ToString(),
            ["Name"] = name,
        }, ct);
        try
        {
            await tables.Environments.SubmitTransactionAsync(
            [
                new(TableTransactionActionType.Add, new TableEntity(caller.TenantId, NamePrefix + name) { ["EnvironmentId"] = id }),
                new(TableTransactionActionType.Add, new TableEntity(caller.TenantId, id) { ["Name"] = name, ["CreatedAt"] = now, ["Cidr"] = cidr.ToString() }),
                GuardRow.Claim(caller.TenantId, NetworksGuard, guard),
            ], ct);
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
        {
            await tables.State.DeleteEntityAsync(Tables.EnvironmentKey(caller.TenantId, id), StateRows.Meta, cancellationToken: ct);
            if (e.Status == 412)
            {
                throw; // another environment was created meanwhile: check the networks again
            }
            return Failure.Conflict($"An environment named '{name}' already exists.");
        }
        return new EnvironmentView(id, name!, now) { Cidr = cidr.ToString() };
    }

    /// <summary>What the hosts of one of the tenant's environments report their machines use.</summary>
    private async Task<List<Ipv4Cidr>> MachineRangesAsync(string tenantId, string environmentId, CancellationToken ct)
    {
        var ranges = new List<Ipv4Cidr>();
        var partition = Tables.EnvironmentKey(tenantId, environmentId);
        await foreach (var row in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, StateRows.HostPrefix), select: ["Facts"], cancellationToken: ct))
        {
            ranges.AddRange(MachineRanges.Parse(StateRows.FactsOf(row)?.UsedRanges));
        }
        return ranges;
    }

    public async Task<Outcome<EnvironmentView>> GetAsync(TenantCaller caller, string environmentId, CancellationToken ct)
    {
        return RandomIds.IsWellFormed(environmentId) && await tables.Environments.FindAsync(caller.TenantId, environmentId, ct) is { } row
            ? ToView(row)
            : Failure.NotFound("The environment");
    }

    public async Task<Page<EnvironmentView>> ListAsync(TenantCaller caller, CancellationToken ct)
    {
        var items = new List<EnvironmentView>();
        await foreach (var row in tables.Environments.QueryAsync<TableEntity>(r => r.PartitionKey == caller.TenantId, cancellationToken: ct))
        {
            // An environment key lists only its own environment.
            if (IsEnvironment(row.RowKey) && caller.Reaches(row.RowKey))
            {
                items.Add(ToView(row));
            }
        }
        return new Page<EnvironmentView>(items.OrderBy(e => e.Name, StringComparer.Ordinal).ToList());
    }

    /// <summary>Every environment of every tenant, for the periodic reconcile fan-out.</summary>
    public async IAsyncEnumerable<(string TenantId, string EnvironmentId)> AllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var row in tables.Environments.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"], cancellationToken: ct))
        {
            if (IsEnvironment(row.RowKey))
            {
                yield return (row.PartitionKey, row.RowKey);
            }
        }
    }

    /// <summary>The tenant's partition also holds name claims and the networks guard.</summary>
    private static bool IsEnvironment(string rowKey) => RandomIds.IsWellFormed(rowKey);

    private static EnvironmentView ToView(TableEntity row) =>
        new(row.RowKey, row.GetString("Name"), row.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue)
        {
            Cidr = row.GetString("Cidr"),
            Policy = row.GetString(PolicyColumn) ?? HostAccessPolicy.NameOf(PolicyLevel.Baseline),
            BalancerImage = row.GetString(EnvironmentState.BalancerImageColumn) is { Length: > 0 } own ? own : null,
        };

    /// <summary>
    /// Records the image the environment's balancers run (null for the operator's default): in the
    /// state partition's meta row, which the reconciler reads, then on the environment's row it is shown from.
    /// </summary>
    public async Task SetBalancerImageAsync(TenantCaller caller, string environmentId, string? image, CancellationToken ct)
    {
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        foreach (var (table, key, rowKey) in new[] { (tables.State, partition, StateRows.Meta), (tables.Environments, caller.TenantId, environmentId) })
        {
            // Merge with no ETag: the column is this method's alone, and a reconcile that raced it re-reads the moved meta row.
            await table.UpdateEntityAsync(new TableEntity(key, rowKey) { [EnvironmentState.BalancerImageColumn] = image ?? "" }, Azure.ETag.All, TableUpdateMode.Merge, ct);
        }
    }

    private const string PolicyColumn = "Policy";

    /// <summary>Records the environment's host-access policy; <see cref="PolicyService"/> decides whether it may change.</summary>
    public Task<Outcome<EnvironmentView>> SetPolicyAsync(TenantCaller caller, string environmentId, PolicyLevel level, CancellationToken ct) =>
        Contention.RetryAsync<EnvironmentView>(async () =>
        {
            if (!RandomIds.IsWellFormed(environmentId) || await tables.Environments.FindAsync(caller.TenantId, environmentId, ct) is not { } row)
            {
                return Failure.NotFound("The environment");
            }
            row[PolicyColumn] = HostAccessPolicy.NameOf(level);
            await tables.Environments.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge, ct);
            return ToView(row);
        }, "The environment", ct);
}
