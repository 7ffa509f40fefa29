using Page = Rancher.Cloud.ControlPlane.Environments.Page<Rancher.Cloud.ControlPlane.Environments.RegistrationTokenView>;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Reconcile;

namespace Rancher.Cloud.ControlPlane.Agents;

/// <summary>
/// Registration tokens <c>rcr.{tenant}.{environment}.{tokenId}.{secret}</c>: shown once with
/// the install one-liner, stored hashed in their environment's partition, listed without the
/// secret, rotated (a new one replaces the old) and revoked.
/// </summary>
public sealed class RegistrationTokens(Tables tables, EnvironmentsService environments, IIdGenerator ids, TimeProvider clock, IOptions<ControlPlaneOptions> options)
{
    private const string Prefix = "rcr.";
    private const string RowPrefix = "tok~";

    public async Task<Outcome<RegistrationTokenCreated>> CreateAsync(TenantCaller caller, string environmentId, CancellationToken ct)
    {
        if ((await environments.GetAsync(caller, environmentId, ct)).Failure is { } missing)
        {
            return missing;
        }
        var id = ids.NewId('r');
        var secret = SecretHash.NewSecret();
        var now = clock.GetUtcNow();
        await tables.RegistrationTokens.AddEntityAsync(new TableEntity(Tables.EnvironmentKey(caller.TenantId, environmentId), RowPrefix + id)
        {
            ["SecretHash"] = SecretHash.Of(secret),
            ["CreatedAt"] = now,
        }, ct);
        var token = $"{Prefix}{caller.TenantId}.{environmentId}.{id}.{secret}";
        var url = options.Value.PublicUrl.TrimEnd('/');
        return new RegistrationTokenCreated(id, token, $"curl -fsSL {url}/install.sh | sh -s -- --url {url} --token {token}", environmentId, now);
    }

    public async Task<Outcome<Page>> ListAsync(TenantCaller caller, string environmentId, CancellationToken ct)
    {
        if ((await environments.GetAsync(caller, environmentId, ct)).Failure is { } missing)
        {
            return missing;
        }
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        var tokens = new List<RegistrationTokenView>();
        await foreach (var row in tables.RegistrationTokens.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, RowPrefix), cancellationToken: ct))
        {
            tokens.Add(new RegistrationTokenView(
                row.RowKey[RowPrefix.Length..], environmentId, row.GetDateTimeOffset("CreatedAt") ?? default,
                row.GetDateTimeOffset("RevokedAt"), row.GetDateTimeOffset("LastUsedAt")));
        }
        return new Page(tokens.OrderBy(t => t.CreatedAt).ToList());
    }

    /// <summary>Revokes the token and hands out its replacement, in that order: never two live ones by accident.</summary>
    public async Task<Outcome<RegistrationTokenCreated>> RotateAsync(TenantCaller caller, string environmentId, string tokenId, CancellationToken ct)
    {
        var revoked = await RevokeAsync(caller, environmentId, tokenId, ct);
        return revoked.Failure is { } failure ? failure : await CreateAsync(caller, environmentId, ct);
    }

    public async Task<Outcome<bool>> RevokeAsync(TenantCaller caller, string environmentId, string tokenId, CancellationToken ct)
    {
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        if (!RandomIds.IsWellFormed(tokenId) || await FindAsync(partition, tokenId, ct) is null)
        {
            return Failure.NotFound("The registration token");
        }
        await tables.RegistrationTokens.UpsertEntityAsync(new TableEntity(partition, RowPrefix + tokenId) { ["RevokedAt"] = clock.GetUtcNow() }, TableUpdateMode.Merge, ct);
        return true;
    }

    /// <summary>The environment a live token registers hosts into; null for anything else.</summary>
    public async Task<(string TenantId, string EnvironmentId, string TokenId)?> AuthenticateAsync(string token, CancellationToken ct)
    {
        var parts = token.Split('.');
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || parts.Length != 5 || !RandomIds.IsWellFormed(parts[1]) || !RandomIds.IsWellFormed(parts[2]) || !RandomIds.IsWellFormed(parts[3]))
        {
            return null;
        }
        var partition = Tables.EnvironmentKey(parts[1], parts[2]);
        var row = await FindAsync(partition, parts[3], ct);
        if (row is null || row.GetDateTimeOffset("RevokedAt") is not null || !SecretHash.Matches(parts[4], row.GetString("SecretHash")))
        {
            return null;
        }
        await tables.RegistrationTokens.UpsertEntityAsync(new TableEntity(partition, row.RowKey) { ["LastUsedAt"] = clock.GetUtcNow() }, TableUpdateMode.Merge, ct);
        return (parts[1], parts[2], parts[3]);
    }

    private async Task<TableEntity?> FindAsync(string partition, string tokenId, CancellationToken ct) =>
        await tables.RegistrationTokens.FindAsync(partition, RowPrefix + tokenId, ct);
}
