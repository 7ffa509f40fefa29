using Azure.Data.Tables;

namespace Rancher.Cloud.ControlPlane.Storage;

/// <summary>Point reads of rows that may not exist, the one way the control plane does them.</summary>
public static class Rows
{
    /// <summary>The row, or null when there is none.</summary>
    public static async Task<TableEntity?> FindAsync(this TableClient table, string partition, string rowKey, CancellationToken ct)
    {
        var found = await table.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: ct);
        return found.HasValue ? found.Value : null;
    }
}
