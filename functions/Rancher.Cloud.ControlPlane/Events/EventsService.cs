using System.Buffers.Text;
using System.Text;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Events;

namespace Rancher.Cloud.ControlPlane.Events;

/// <summary>
/// Reads an environment's event stream, newest first, a page at a time, by type and from a
/// time; and drops events older than <see cref="EventTypes.Retention"/>, so the stream is bounded.
/// </summary>
public sealed partial class EventsService(Tables tables, EnvironmentsService environments, TimeProvider clock)
{
    public const int MaxPage = 200;

    private const string CursorPrefix = "e1:";

    public async Task<Outcome<EventPage>> ReadAsync(
        TenantCaller caller, string environmentId, string? type, DateTimeOffset? since, int? limit, string? cursor, CancellationToken ct)
    {
        if ((await environments.GetAsync(caller, environmentId, ct)).Failure is { } missing)
        {
            return missing;
        }
        var errors = new FieldErrors();
        if (limit is < 1 or > MaxPage)
        {
            errors.Add("limit", $"must be between 1 and {MaxPage}");
        }
        if (type is not null && !EventTypes.IsFilter(type))
        {
            errors.Add("type", $"is one of {string.Join(", ", EventTypes.All)}, or a kind such as 'service.'");
        }
        string? after = null;
        if (!string.IsNullOrEmpty(cursor) && !TryReadCursor(cursor, out after))
        {
            errors.Add("cursor", "is not a cursor this stream handed out");
        }
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        var from = after ?? EventRows.Prefix;
        // Newest first: events at or after 'since' have keys up to the key of that moment.
        var until = since is { } s ? EventRows.KeyAt(s) + "~" : EventRows.Prefix + "\uffff";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {from} and RowKey lt {until}");
        if (type is not null)
        {
            filter += type.EndsWith('.')
                ? " and " + TableClient.CreateQueryFilter($"Type ge {type} and Type lt {type + "\uffff"}")
                : " and " + TableClient.CreateQueryFilter($"Type eq {type}");
        }
        var take = limit ?? 50;
        var items = new List<EventView>();
        string? next = null;
        await foreach (var row in tables.State.QueryAsync<TableEntity>(filter, maxPerPage: take + 1, cancellationToken: ct))
        {
            if (items.Count == take)
            {
                next = Base64Url.EncodeToString(Encoding.ASCII.GetBytes(CursorPrefix + EventRows.Prefix + items[^1].Id));
                break;
            }
            items.Add(EventRows.ToView(row));
        }
        return new EventPage(items, next);
    }

    /// <summary>Deletes one environment's events older than the retention, a transaction of at most 100 at a time.</summary>
    public async Task<int> PruneAsync(string tenantId, string environmentId, CancellationToken ct)
    {
        var partition = Tables.EnvironmentKey(tenantId, environmentId);
        var oldest = EventRows.KeyAt(clock.GetUtcNow() - EventTypes.Retention);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {oldest} and RowKey lt {EventRows.Prefix + "\uffff"}");
        var pruned = 0;
        var batch = new List<TableTransactionAction>();
        await foreach (var row in tables.State.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: ct))
        {
            batch.Add(new(TableTransactionActionType.Delete, new TableEntity(partition, row.RowKey), ETag.All));
            if (batch.Count == 100)
            {
                pruned += await DeleteAsync(batch, ct);
            }
        }
        return pruned + await DeleteAsync(batch, ct);
    }

    private async Task<int> DeleteAsync(List<TableTransactionAction> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return 0;
        }
        var count = batch.Count;
        await tables.State.SubmitTransactionAsync(batch.ToList(), ct);
        batch.Clear();
        return count;
    }

    private static bool TryReadCursor(string cursor, out string? after)
    {
        after = null;
        try
        {
            var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
            if (text.StartsWith(CursorPrefix, StringComparison.Ordinal) && KeyShape().IsMatch(text[CursorPrefix.Length..]))
            {
                after = text[CursorPrefix.Length..];
                return true;
            }
        }
        catch (FormatException)
        {
        }
        return false;
    }

    [GeneratedRegex(@"^event~[0-9]{19}-[0-9a-f]{8}\z")]
    private static partial Regex KeyShape();
}
