using Azure.Data.Tables;

namespace Rancher.Cloud.ControlPlane.Storage;

/// <summary>Point reads of rows that may not exist, and reads of one kind of row, the one way the control plane does them.</summary>
public static class Rows
{
    /// <summary>The row, or null when there is none.</summary>
    public static async Task<TableEntity?> FindAsync(this TableClient table, string partition, string rowKey, CancellationToken ct)
    {
        var found = await table.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: ct);
        return found.HasValue ? found.Value : null;
    }

    /// <summary>The partition's rows whose key starts with <paramref name="prefix"/>.</summary>
    public static async Task<List<TableEntity>> WithPrefixAsync(this TableClient table, string partition, string prefix, CancellationToken ct)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, prefix), cancellationToken: ct))
        {
            rows.Add(row);
        }
        return rows;
    }
}
