using Azure.Data.Tables;

namespace Rancher.Cloud.ControlPlane.Storage;

/// <summary>
/// The control plane's tables. Every row is partitioned by tenant: an environment's whole
/// state lives in one partition (<see cref="EnvironmentKey"/>), so a reconcile step commits
/// atomically in one transaction.
/// </summary>
public sealed class Tables(TableServiceClient client)
{
    /// <summary>Environments of a tenant: partition = tenant id.</summary>
    public TableClient Environments { get; } = client.GetTableClient("environments");

    /// <summary>Services, instances, hosts, plans, observations: partition = <see cref="EnvironmentKey"/>.</summary>
    public TableClient State { get; } = client.GetTableClient("envstate");

    /// <summary>Host credentials by host id (hashes only).</summary>
    public TableClient HostCredentials { get; } = client.GetTableClient("hostcredentials");

    /// <summary>Registration tokens by hash.</summary>
    public TableClient RegistrationTokens { get; } = client.GetTableClient("registrationtokens");

    /// <summary>Tenants: partition "tenant", row = tenant id, plus a name index.</summary>
    public TableClient Tenants { get; } = client.GetTableClient("tenants");

    /// <summary>Members of a tenant: partition = tenant id.</summary>
    public TableClient Members { get; } = client.GetTableClient("members");

    /// <summary>API keys (hashes only): partition = tenant id, row = key id.</summary>
    public TableClient ApiKeys { get; } = client.GetTableClient("apikeys");

    /// <summary>The audit log: partition = <see cref="AuditKey"/>, newest first.</summary>
    public TableClient Audit { get; } = client.GetTableClient("audit");

    public async Task EnsureCreatedAsync(CancellationToken ct)
    {
        foreach (var table in new[] { Environments, State, HostCredentials, RegistrationTokens, Tenants, Members, ApiKeys, Audit })
        {
            await table.CreateIfNotExistsAsync(ct);
        }
    }

    /// <summary>The partition key of an environment's state.</summary>
    public static string EnvironmentKey(string tenantId, string environmentId) => $"{tenantId}~{environmentId}";

    /// <summary>The partition of the audit log of an environment, or of the tenant itself ("-").</summary>
    public static string AuditKey(string tenantId, string? environmentId) => $"{tenantId}~{environmentId ?? "-"}";
}
