using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Access;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.ControlPlane.Tenancy;

/// <summary>The operator's side: creates tenants, each with an owner member and the owner's first key.</summary>
public sealed class TenantsService(Tables tables, ApiKeys keys, IIdGenerator ids, TimeProvider clock)
{
    private const string Partition = "tenant";
    private const string NamePrefix = "name~";

    public async Task<Outcome<TenantCreated>> CreateAsync(CreateTenantRequest request, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var name = ResourceName.Check(request.Name, "name", errors);
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        var tenantId = ids.NewId('t');
        var ownerId = ids.NewId('m');
        var now = clock.GetUtcNow();
        // Owner and key first: until the tenant row exists they are unreachable, so a crash
        // in between leaves nothing a caller can see, and the name stays free for a retry.
        await tables.Members.AddEntityAsync(MembersService.Row(tenantId, ownerId, "owner", Role.Owner, now), ct);
        var key = await keys.IssueAsync(tenantId, ownerId, "owner", Role.Owner, null, ct);
        try
        {
            await tables.Tenants.SubmitTransactionAsync(
            [
                new(TableTransactionActionType.Add, new TableEntity(Partition, NamePrefix + name) { ["TenantId"] = tenantId }),
                new(TableTransactionActionType.Add, new TableEntity(Partition, tenantId) { ["Name"] = name, ["CreatedAt"] = now }),
            ], ct);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            return Failure.Conflict($"A tenant named '{name}' already exists.");
        }
        return new TenantCreated(tenantId, name!, key.Key, now);
    }

    public async Task<List<TenantView>> ListAsync(CancellationToken ct)
    {
        var tenants = new List<TenantView>();
        await foreach (var row in tables.Tenants.QueryAsync<TableEntity>(r => r.PartitionKey == Partition, cancellationToken: ct))
        {
            if (!row.RowKey.StartsWith(NamePrefix, StringComparison.Ordinal))
            {
                tenants.Add(new TenantView(row.RowKey, row.GetString("Name"), row.GetDateTimeOffset("CreatedAt") ?? default));
            }
        }
        return tenants.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }
}
