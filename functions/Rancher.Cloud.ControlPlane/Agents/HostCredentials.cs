using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Signals;
using Rancher.Cloud.ControlPlane.Storage;

namespace Rancher.Cloud.ControlPlane.Agents;

/// <summary>
/// Per-host credentials: <c>rch.{hostId}.{secret}</c>. Only a hash of the secret is stored;
/// a credential reaches exactly one host's plan and reports.
/// </summary>
public sealed class HostCredentials(Tables tables)
{
    private const string Prefix = "rch.";

    /// <summary>A new credential for the host, replacing any earlier one.</summary>
    public async Task<string> IssueAsync(HostAddress host, CancellationToken ct)
    {
        var secret = SecretHash.NewSecret();
        // Replaces any earlier credential of the host: only the newest works.
        await tables.HostCredentials.UpsertEntityAsync(new TableEntity(host.HostId, "")
        {
            ["TenantId"] = host.TenantId,
            ["EnvironmentId"] = host.EnvironmentId,
            ["SecretHash"] = SecretHash.Of(secret),
        }, TableUpdateMode.Replace, ct);
        return $"{Prefix}{host.HostId}.{secret}";
    }

    /// <summary>Ends the host's credential: its agent is refused from now on.</summary>
    public async Task RevokeAsync(string hostId, CancellationToken ct) =>
        await tables.HostCredentials.DeleteEntityAsync(hostId, "", cancellationToken: ct);

    public async Task<HostCaller?> AuthenticateAsync(string credential, CancellationToken ct)
    {
        if (!credential.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var parts = credential.Split('.');
        if (parts.Length != 3 || !RandomIds.IsWellFormed(parts[1]))
        {
            return null;
        }
        return await tables.HostCredentials.FindAsync(parts[1], "", ct) is { } row && SecretHash.Matches(parts[2], row.GetString("SecretHash"))
            ? new HostCaller(row.GetString("TenantId"), row.GetString("EnvironmentId"), parts[1])
            : null;
    }
}
