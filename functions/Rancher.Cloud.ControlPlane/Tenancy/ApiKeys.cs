using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Access;
using Rancher.Cloud.Domain.Reconcile;

namespace Rancher.Cloud.ControlPlane.Tenancy;

/// <summary>
/// API keys <c>rck.{tenantId}.{keyId}.{secret}</c>: the secret is shown once and stored
/// hashed; a key authenticates with one point read and carries its role and scope.
/// </summary>
public sealed class ApiKeys(Tables tables, IIdGenerator ids, TimeProvider clock)
{
    private const string Prefix = "rck.";

    public async Task<ApiKeyCreated> IssueAsync(string tenantId, string memberId, string name, Role role, string? environmentId, CancellationToken ct)
    {
        var id = ids.NewId('k');
        var secret = SecretHash.NewSecret();
        var now = clock.GetUtcNow();
        await tables.ApiKeys.AddEntityAsync(new TableEntity(tenantId, id)
        {
            ["Name"] = name,
            ["MemberId"] = memberId,
            ["Role"] = Roles.NameOf(role),
            ["EnvironmentId"] = environmentId,
            ["SecretHash"] = SecretHash.Of(secret),
            ["CreatedAt"] = now,
        }, ct);
        return new ApiKeyCreated(id, name, memberId, Roles.NameOf(role), environmentId, now, $"{Prefix}{tenantId}.{id}.{secret}");
    }

    /// <summary>The caller a key stands for; null for anything that is not a live key.</summary>
    public async Task<TenantCaller?> AuthenticateAsync(string bearer, CancellationToken ct)
    {
        if (!bearer.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var parts = bearer.Split('.');
        if (parts.Length != 4 || !RandomIds.IsWellFormed(parts[1]) || !RandomIds.IsWellFormed(parts[2]))
        {
            return null;
        }
        var row = await FindAsync(parts[1], parts[2], ct);
        if (row is null || row.GetDateTimeOffset("RevokedAt") is not null || !SecretHash.Matches(parts[3], row.GetString("SecretHash")))
        {
            return null;
        }
        var role = RoleOf(row);
        return new TenantCaller(parts[1], parts[2], row.GetString("MemberId"), role, row.GetString("EnvironmentId"));
    }

    public async Task<List<ApiKeyView>> ListAsync(string tenantId, CancellationToken ct)
    {
        var keys = new List<ApiKeyView>();
        await foreach (var row in tables.ApiKeys.QueryAsync<TableEntity>(r => r.PartitionKey == tenantId, cancellationToken: ct))
        {
            keys.Add(ToView(row));
        }
        return keys;
    }

    public async Task<ApiKeyView?> GetAsync(string tenantId, string keyId, CancellationToken ct) =>
        RandomIds.IsWellFormed(keyId) && await FindAsync(tenantId, keyId, ct) is { } row ? ToView(row) : null;

    public async Task RevokeAsync(string tenantId, string keyId, CancellationToken ct) =>
        await tables.ApiKeys.UpsertEntityAsync(new TableEntity(tenantId, keyId) { ["RevokedAt"] = clock.GetUtcNow() }, TableUpdateMode.Merge, ct);

    /// <summary>Lowers every key of a member to at most <paramref name="ceiling"/>, or revokes them all when null.</summary>
    public async Task CapMemberAsync(string tenantId, string memberId, Role? ceiling, CancellationToken ct)
    {
        await foreach (var row in tables.ApiKeys.QueryAsync<TableEntity>(r => r.PartitionKey == tenantId && r["MemberId"].Equals(memberId), cancellationToken: ct))
        {
            if (ceiling is null)
            {
                await RevokeAsync(tenantId, row.RowKey, ct);
            }
            else if (RoleOf(row) > ceiling)
            {
                await tables.ApiKeys.UpsertEntityAsync(new TableEntity(tenantId, row.RowKey) { ["Role"] = Roles.NameOf(ceiling.Value) }, TableUpdateMode.Merge, ct);
            }
        }
    }

    private async Task<TableEntity?> FindAsync(string tenantId, string keyId, CancellationToken ct) =>
        await tables.ApiKeys.FindAsync(tenantId, keyId, ct);

    private static Role RoleOf(TableEntity row) => Roles.Parse(row.GetString("Role")) ?? Role.ReadOnly;

    private static ApiKeyView ToView(TableEntity row) => new(
        row.RowKey, row.GetString("Name"), row.GetString("MemberId"), row.GetString("Role"), row.GetString("EnvironmentId"),
        row.GetDateTimeOffset("CreatedAt") ?? default, row.GetDateTimeOffset("RevokedAt"));
}
