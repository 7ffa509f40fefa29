using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.ControlPlane.Tenancy;

/// <summary>
/// Records every mutation (who, what, target, when, client address, result) in the partition
/// of its environment, or of its tenant, newest first, and reads it back a page at a time.
/// </summary>
public sealed partial class AuditLog(Tables tables, TimeProvider clock)
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
        string? after = null;
        if (!string.IsNullOrEmpty(cursor) && !TryReadCursor(cursor, out after))
        {
            return Failure.Invalid("cursor", "is not a cursor this log handed out");
        }
        var partition = Tables.AuditKey(caller.TenantId, environmentId);
        var take = limit ?? 50;
        var filter = after is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {after}");
        var items = new List<AuditEntry>();
        string? next = null;
        await foreach (var r in tables.Audit.QueryAsync<TableEntity>(filter, maxPerPage: take + 1, cancellationToken: ct))
        {
            if (items.Count == take)
            {
                next = Base64Url.EncodeToString(Encoding.ASCII.GetBytes(CursorPrefix + items[^1].Id));
                break;
            }
            items.Add(new AuditEntry(
                r.RowKey, r.GetDateTimeOffset("At") ?? default, r.GetString("Actor"), r.GetString("MemberId"), r.GetString("Action"),
                r.GetString("Method"), r.GetString("Target"), r.GetInt32("Status") ?? 0, r.GetString("Client")));
        }
        return new AuditPage(items, next);
    }

    private const string CursorPrefix = "a1:";

    /// <summary>A cursor is the last row key of the page before, in the shape this log writes them.</summary>
    private static bool TryReadCursor(string cursor, out string? after)
    {
        after = null;
        try
        {
            var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
            if (text.StartsWith(CursorPrefix, StringComparison.Ordinal) && RowKeyShape().IsMatch(text[CursorPrefix.Length..]))
            {
                after = text[CursorPrefix.Length..];
            }
        }
        catch (FormatException)
        {
        }
        return after is not null;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9]{19}-[0-9a-f]{32}\\z")]
    private static partial System.Text.RegularExpressions.Regex RowKeyShape();
}

/// <summary>A page of the audit log; <see cref="Next"/> fetches the following page.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, string? Next);
