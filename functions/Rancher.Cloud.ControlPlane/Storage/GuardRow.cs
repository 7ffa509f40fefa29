using Azure;
using Azure.Data.Tables;

namespace Rancher.Cloud.ControlPlane.Storage;

/// <summary>
/// A row whose only job is its ETag. A rule over several rows (a tenant keeps an owner; its
/// environments' networks never overlap) is checked after reading the guard, and the change
/// commits in one transaction with an update of the guard at the ETag read: two changes checked
/// against the same rows cannot both commit, so the rule holds by construction, not by timing.
/// The loser's transaction fails with 412 and <see cref="Contention"/> checks again.
/// </summary>
public static class GuardRow
{
    /// <summary>Guard row keys start with '~', which no id of ours does.</summary>
    public const char KeyPrefix = '~';

    /// <summary>The guard's ETag, creating the guard the first time.</summary>
    public static async Task<ETag> ReadAsync(TableClient table, string partition, string rowKey, CancellationToken ct) =>
        (await ReadRowAsync(table, partition, rowKey, ct)).ETag;

    /// <summary>The guard row itself (for guards that also hold a value), creating it the first time.</summary>
    public static async Task<TableEntity> ReadRowAsync(TableClient table, string partition, string rowKey, CancellationToken ct)
    {
        if (await table.FindAsync(partition, rowKey, ct) is { } row)
        {
            return row;
        }
        var created = new TableEntity(partition, rowKey);
        try
        {
            created.ETag = (await table.AddEntityAsync(created, ct)).Headers.ETag!.Value;
            return created;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return (await table.GetEntityAsync<TableEntity>(partition, rowKey, cancellationToken: ct)).Value;
        }
    }

    /// <summary>The transaction step that claims the guard as read; it fails if anyone claimed it since.</summary>
    public static TableTransactionAction Claim(string partition, string rowKey, ETag read) =>
        new(TableTransactionActionType.UpdateMerge, new TableEntity(partition, rowKey) { ["ClaimedAt"] = DateTimeOffset.UtcNow }, read);

    public static bool IsGuard(string rowKey) => rowKey.StartsWith(KeyPrefix);
}
