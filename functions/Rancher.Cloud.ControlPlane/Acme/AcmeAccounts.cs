using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.ControlPlane.Tenancy;

namespace Rancher.Cloud.ControlPlane.Acme;

/// <summary>
/// Each tenant's ACME account key: the directory's rate limits and its notices then concern one
/// tenant. Made on first use, stored sealed under the tenant's data key, never shown.
/// </summary>
public sealed class AcmeAccounts(Tables tables, TenantDataKeys keys)
{
    private const string Row = "~acmeaccount";

    public async Task<string> KeyAsync(string tenantId, CancellationToken ct)
    {
        var binding = $"acme-account/{tenantId}";
        if (await tables.Tenants.FindAsync(tenantId, Row, ct) is { } existing)
        {
            return await keys.OpenAsync(tenantId, binding, existing.GetString("SealedKey"), ct);
        }
        // RSA: the account keys the ACME client signs its requests with.
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportRSAPrivateKeyPem();
        try
        {
            await tables.Tenants.AddEntityAsync(new TableEntity(tenantId, Row) { ["SealedKey"] = await keys.SealAsync(tenantId, binding, pem, ct) }, ct);
            return pem;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var stored = await tables.Tenants.FindAsync(tenantId, Row, ct) ?? throw new InvalidOperationException("the tenant's ACME account vanished", e);
            return await keys.OpenAsync(tenantId, binding, stored.GetString("SealedKey"), ct);
        }
    }
}
