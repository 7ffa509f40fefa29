using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.ControlPlane.Tenancy;
using Rancher.Cloud.Domain.Certificates;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.ControlPlane.Certificates;

/// <summary>
/// An environment's TLS certificates: uploaded, checked (PEM, key matches, not expired), the key
/// sealed under the tenant's data key and never returned; balancers name them, and agents fetch
/// the ones their balancers load.
/// </summary>
public sealed class CertificatesService(Tables tables, EnvironmentsService environments, ServicesService services, TenantDataKeys keys, TimeProvider clock)
{
    /// <summary>Certificates one environment may hold: each is read with the environment's state.</summary>
    public const int MaxPerEnvironment = 100;

    public async Task<Outcome<CertificateView>> CreateAsync(TenantCaller caller, string environmentId, CertificateDraft draft, CancellationToken ct)
    {
        if ((await environments.GetAsync(caller, environmentId, ct)).Failure is { } missing)
        {
            return missing;
        }
        var errors = new FieldErrors();
        if (draft.Name is { } reserved && AcmeCertificates.IsReserved(reserved))
        {
            errors.Add("name", $"names starting with '{AcmeCertificates.NamePrefix}' are the control plane's own, for certificates it orders; choose another");
        }
        if (CertificateDraft.Check(draft, clock.GetUtcNow(), errors) is not { } bundle || !errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        if (!keys.Configured)
        {
            return Failure.Invalid("key", "this control plane has no key to encrypt certificate keys with (RancherCloud:DataKeyWrappingKey); ask its operator");
        }
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        if ((await services.CertificateNamesAsync(partition, ct)).Count >= MaxPerEnvironment)
        {
            return Failure.Invalid("name", $"an environment holds at most {MaxPerEnvironment} certificates; delete one first");
        }
        var row = CertificateRows.ToRow(partition, bundle, await keys.SealAsync(caller.TenantId, CertificateRows.Binding(partition, bundle.Name), bundle.KeyPem, ct), clock.GetUtcNow());
        try
        {
            await tables.State.AddEntityAsync(row, ct);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return Failure.Conflict($"A certificate named '{bundle.Name}' already exists in this environment; delete it first, or upload under another name.");
        }
        catch (RequestFailedException e) when (e.Status is 400 or 413)
        {
            return Failure.Invalid("chain", "the certificate and its chain are too large to store (64 KiB); send only the intermediates");
        }
        return CertificateRows.ToView(row);
    }

    public async Task<Outcome<Environments.Page<CertificateView>>> ListAsync(TenantCaller caller, string environmentId, CancellationToken ct)
    {
        if ((await environments.GetAsync(caller, environmentId, ct)).Failure is { } missing)
        {
            return missing;
        }
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        var views = new List<CertificateView>();
        await foreach (var row in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, CertificateRows.Prefix), cancellationToken: ct))
        {
            views.Add(CertificateRows.ToView(row));
        }
        return new Environments.Page<CertificateView>(views);
    }

    public async Task<Outcome<CertificateView>> GetAsync(TenantCaller caller, string environmentId, string name, CancellationToken ct) =>
        await RowAsync(caller, environmentId, name, ct) is { } row ? CertificateRows.ToView(row) : Failure.NotFound("The certificate");

    /// <summary>Deletes a certificate no balancer names; one still named is refused with the balancers' names.</summary>
    public async Task<Outcome<bool>> DeleteAsync(TenantCaller caller, string environmentId, string name, CancellationToken ct)
    {
        if (await RowAsync(caller, environmentId, name, ct) is not { } row)
        {
            return Failure.NotFound("The certificate");
        }
        var users = (await services.SpecsAsync(row.PartitionKey, ct))
            .Where(s => s.Balancer is { } b && (b.DefaultCertificate == name || b.Certificates.Contains(name) || AcmeCertificates.Wanted([s]).Select(AcmeCertificates.NameFor).Contains(name)))
            .Select(s => s.QualifiedName)
            .ToList();
        if (users.Count > 0)
        {
            return Failure.Conflict($"Balancers use certificate '{name}': {string.Join(", ", users)}; change their rules first.");
        }
        await tables.State.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, ct);
        return true;
    }

    /// <summary>
    /// Stores a certificate the control plane ordered, over the one it renews: the new version is a
    /// new file, which the next plans name and agents fetch.
    /// </summary>
    public async Task StoreAutomaticAsync(string tenantId, string partition, CertificateBundle bundle, CancellationToken ct)
    {
        var row = CertificateRows.ToRow(partition, bundle, await keys.SealAsync(tenantId, CertificateRows.Binding(partition, bundle.Name), bundle.KeyPem, ct), clock.GetUtcNow());
        row[CertificateRows.AutomaticColumn] = true;
        // The version it replaces stays fetchable until the plans name the new one: a balancer made
        // in between, on a plan still naming the old file, starts instead of failing to fetch it.
        if (await tables.State.FindAsync(partition, row.RowKey, ct) is { } replaced)
        {
            row[CertificateRows.Previous + "Pem"] = replaced.GetString("Pem");
            row[CertificateRows.Previous + "SealedKey"] = replaced.GetString("SealedKey");
            row[CertificateRows.Previous + CertificateRows.VersionColumn] = replaced.GetString(CertificateRows.VersionColumn);
        }
        await tables.State.UpsertEntityAsync(row, TableUpdateMode.Replace, ct);
    }

    /// <summary>
    /// What an agent loads for a balancer it runs: certificate, chain and key in one PEM, only for a
    /// file its host's current plan names (another host's, or another environment's, reads as not found).
    /// </summary>
    public async Task<Outcome<string>> ForHostAsync(HostCaller host, string fileName, CancellationToken ct)
    {
        var partition = Tables.EnvironmentKey(host.TenantId, host.EnvironmentId);
        var plan = await tables.State.FindAsync(partition, StateRows.PlanPrefix + host.HostId, ct) is { } planRow ? StateRows.ToPlan(planRow) : null;
        if (plan?.Containers.Any(c => c.Balancer?.Certificates.Contains(fileName) == true) != true)
        {
            return Failure.NotFound("The certificate");
        }
        var name = fileName[..Math.Max(0, fileName.LastIndexOf('-'))];
        if (await tables.State.FindAsync(partition, CertificateRows.Prefix + name, ct) is not { } row)
        {
            return Failure.NotFound("The certificate");
        }
        var which = new[] { "", CertificateRows.Previous }
            .FirstOrDefault(p => row.GetString(p + CertificateRows.VersionColumn) is { } version && CertificateBundle.FileNameOf(name, version) == fileName);
        if (which is null)
        {
            return Failure.NotFound("The certificate");
        }
        var key = await keys.OpenAsync(host.TenantId, CertificateRows.Binding(partition, name), row.GetString(which + "SealedKey"), ct);
        return row.GetString(which + "Pem") + key;
    }

    private async Task<TableEntity?> RowAsync(TenantCaller caller, string environmentId, string name, CancellationToken ct) =>
        Domain.Services.ResourceName.IsValid(name) && (await environments.GetAsync(caller, environmentId, ct)).Failure is null
            ? await tables.State.FindAsync(Tables.EnvironmentKey(caller.TenantId, environmentId), CertificateRows.Prefix + name, ct)
            : null;
}

/// <summary>A certificate as the API shows it: never its key.</summary>
public sealed record CertificateView(
    string Name,
    string CommonName,
    IReadOnlyList<string> SubjectAlternativeNames,
    string Issuer,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string Fingerprint,
    DateTimeOffset CreatedAt)
{
    /// <summary>Ordered by the control plane for a balancer rule's hostname, and renewed by it.</summary>
    public bool Automatic { get; init; }
}

/// <summary>Certificate rows in an environment's state partition: <c>cert~&lt;name&gt;</c>.</summary>
public static class CertificateRows
{
    public const string Prefix = "cert~";

    /// <summary>The hash of what balancers load, which names its file on the hosts.</summary>
    public const string VersionColumn = "Version";

    /// <summary>Columns of the version a renewal replaced, prefixed so: served to plans that still name it.</summary>
    public const string Previous = "Previous";

    /// <summary>Set on certificates the control plane orders (ACME).</summary>
    public const string AutomaticColumn = "Automatic";

    /// <summary>What a sealed key is bound to: its environment and name.</summary>
    public static string Binding(string partition, string name) => $"certificate/{partition}/{name}";

    public static TableEntity ToRow(string partition, CertificateBundle bundle, string sealedKey, DateTimeOffset now) => new(partition, Prefix + bundle.Name)
    {
        ["Pem"] = bundle.Pem,
        ["SealedKey"] = sealedKey,
        ["CommonName"] = bundle.CommonName,
        ["Sans"] = JsonSerializer.Serialize(bundle.SubjectAlternativeNames),
        ["Issuer"] = bundle.Issuer,
        ["NotBefore"] = bundle.NotBefore,
        ["NotAfter"] = bundle.NotAfter,
        ["Fingerprint"] = bundle.Fingerprint,
        [VersionColumn] = bundle.Version,
        ["CreatedAt"] = now,
    };

    public static CertificateView ToView(TableEntity row) => new(
        row.RowKey[Prefix.Length..],
        row.GetString("CommonName"),
        JsonSerializer.Deserialize<List<string>>(row.GetString("Sans")) ?? [],
        row.GetString("Issuer"),
        row.GetDateTimeOffset("NotBefore") ?? DateTimeOffset.MinValue,
        row.GetDateTimeOffset("NotAfter") ?? DateTimeOffset.MinValue,
        row.GetString("Fingerprint"),
        row.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue)
    {
        Automatic = row.GetBoolean(AutomaticColumn) == true,
    };
}
