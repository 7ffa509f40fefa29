using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Rancher.Cloud.Backups;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.ControlPlane.Tenancy;

namespace Rancher.Cloud.ControlPlane.Volumes;

/// <summary>
/// Each environment's backup data key: random, stored only sealed under the tenant's data key
/// (itself wrapped by the operator's key), opened when a task or retention needs it.
/// </summary>
public sealed class BackupDataKeys(Tables tables, TenantDataKeys tenantKeys)
{
    public const string Row = BackupRows.Prefix + "key";

    public bool Configured => tenantKeys.Configured;

    /// <summary>The environment's key, made on first use; two first uses at once agree on the first stored.</summary>
    public async Task<byte[]> KeyAsync(string tenantId, string partition, CancellationToken ct)
    {
        var binding = $"backupkey/{partition}";
        if (await tables.State.FindAsync(partition, Row, ct) is { } existing)
        {
            return Convert.FromBase64String(await tenantKeys.OpenAsync(tenantId, binding, existing.GetString("Sealed"), ct));
        }
        var fresh = RandomNumberGenerator.GetBytes(BackupKeys.DataKeySize);
        try
        {
            await tables.State.AddEntityAsync(new TableEntity(partition, Row) { ["Sealed"] = await tenantKeys.SealAsync(tenantId, binding, Convert.ToBase64String(fresh), ct) }, ct);
            return fresh;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var stored = await tables.State.FindAsync(partition, Row, ct) ?? throw new InvalidOperationException("the environment's backup key vanished", e);
            return Convert.FromBase64String(await tenantKeys.OpenAsync(tenantId, binding, stored.GetString("Sealed"), ct));
        }
    }
}
