using System.Globalization;
using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.ControlPlane.Tenancy;

/// <summary>
/// Records every mutation (who, what, target, when, client address, result) in the partition
/// of its environment, or of its tenant, newest first, and reads it back a page at a time.
/// </summary>
public sealed class AuditLog(Tables tables, TimeProvider clock)
{
    public const int MaxPage = 200;

    public async Task RecordAsync(TenantCaller caller, string? environmentId, string action, string method, string target, int status, string? client, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        // Inverted ticks sort newest first; the suffix keeps simultaneous entries apart.
        var rowKey = string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks:D19}-{Guid.NewGuid():N}");
        await tables.Audit.AddEntityAsync(new TableEntity(Tables.AuditKey(caller.TenantId, environmentId), rowKey)
        {
            ["At"] = now,
            ["Actor"] = caller.KeyId,
            ["MemberId"] = caller.MemberId,
            ["Action"] = action,
            ["Method"] = method,
            ["Target"] = target,
            ["Status"] = status,
            ["Client"] = client,
        }, ct);
    }

    public async Task<Outcome<AuditPage>> ReadAsync(TenantCaller caller, string? environmentId, int? limit, string? cursor, CancellationToken ct)
    {
        if (limit is < 1 or > MaxPage)
        {
            return Failure.Invalid("limit", $"must be between 1 and {MaxPage}");
        }
        var partition = Tables.AuditKey(caller.TenantId, environmentId);
        try
        {
            return await ReadPageAsync(partition, limit ?? 50, cursor, ct);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 400)
        {
            return Failure.Invalid("cursor", "is not a cursor this log handed out");
        }
    }

    private async Task<AuditPage> ReadPageAsync(string partition, int limit, string? cursor, CancellationToken ct)
    {
        await foreach (var page in tables.Audit.QueryAsync<TableEntity>(r => r.PartitionKey == partition, maxPerPage: limit, cancellationToken: ct)
                           .AsPages(string.IsNullOrEmpty(cursor) ? null : cursor, limit))
        {
            var items = page.Values.Select(r => new AuditEntry(
                r.RowKey, r.GetDateTimeOffset("At") ?? default, r.GetString("Actor"), r.GetString("MemberId"), r.GetString("Action"),
                r.GetString("Method"), r.GetString("Target"), r.GetInt32("Status") ?? 0, r.GetString("Client"))).ToList();
            return new AuditPage(items, page.ContinuationToken);
        }
        return new AuditPage([], null);
    }
}

/// <summary>A page of the audit log; <see cref="Next"/> fetches the following page.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, string? Next);
