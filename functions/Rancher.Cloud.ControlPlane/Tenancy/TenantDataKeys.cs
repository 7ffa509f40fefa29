using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Rancher.Cloud.ControlPlane.Storage;

namespace Rancher.Cloud.ControlPlane.Tenancy;

/// <summary>
/// Envelope encryption of a tenant's secrets: each tenant has a data key of its own, stored
/// only wrapped by the operator's key (<see cref="ControlPlaneOptions.DataKeyWrappingKey"/>; Key
/// Vault in Azure). A secret is sealed with AES-GCM under the tenant's data key, bound to where it
/// is stored, so a sealed value copied to another row or tenant does not open.
/// </summary>
public sealed class TenantDataKeys(Tables tables, IOptions<ControlPlaneOptions> options)
{
    private const string Row = "~datakey";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>Whether the operator configured a wrapping key; without one no secret can be stored.</summary>
    public bool Configured => WrappingKey() is not null;

    /// <summary>Seals <paramref name="secret"/> for <paramref name="tenantId"/>, bound to <paramref name="boundTo"/> (its row's identity).</summary>
    public async Task<string> SealAsync(string tenantId, string boundTo, string secret, CancellationToken ct) =>
        Seal(await DataKeyAsync(tenantId, ct), Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(boundTo));

    public async Task<string> OpenAsync(string tenantId, string boundTo, string sealedText, CancellationToken ct) =>
        Encoding.UTF8.GetString(Open(await DataKeyAsync(tenantId, ct), sealedText, Encoding.UTF8.GetBytes(boundTo)));

    /// <summary>The tenant's data key, made (and stored wrapped) on first use; two first uses at once agree on the first stored.</summary>
    private async Task<byte[]> DataKeyAsync(string tenantId, CancellationToken ct)
    {
        var wrapping = WrappingKey() ?? throw new InvalidOperationException("RancherCloud:DataKeyWrappingKey is not configured");
        var binding = Encoding.UTF8.GetBytes($"datakey/{tenantId}");
        if (await tables.Tenants.FindAsync(tenantId, Row, ct) is { } existing)
        {
            return Open(wrapping, existing.GetString("Wrapped"), binding);
        }
        var fresh = RandomNumberGenerator.GetBytes(32);
        try
        {
            await tables.Tenants.AddEntityAsync(new TableEntity(tenantId, Row) { ["Wrapped"] = Seal(wrapping, fresh, binding) }, ct);
            return fresh;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var stored = await tables.Tenants.FindAsync(tenantId, Row, ct) ?? throw new InvalidOperationException("the tenant's data key vanished", e);
            return Open(wrapping, stored.GetString("Wrapped"), binding);
        }
    }

    private byte[]? WrappingKey()
    {
        var configured = options.Value.DataKeyWrappingKey;
        if (string.IsNullOrEmpty(configured))
        {
            return null;
        }
        var key = Convert.FromBase64String(configured);
        return key.Length == 32 ? key : throw new InvalidOperationException("RancherCloud:DataKeyWrappingKey must be 32 bytes, base64");
    }

    private static string Seal(byte[] key, byte[] plain, byte[] associated)
    {
        var output = new byte[NonceSize + TagSize + plain.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(key, TagSize);
        gcm.Encrypt(nonce, plain, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), associated);
        return Convert.ToBase64String(output);
    }

    private static byte[] Open(byte[] key, string sealedText, byte[] associated)
    {
        var input = Convert.FromBase64String(sealedText);
        var plain = new byte[input.Length - NonceSize - TagSize];
        using var gcm = new AesGcm(key, TagSize);
        gcm.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize + TagSize), input.AsSpan(NonceSize, TagSize), plain, associated);
        return plain;
    }
}
