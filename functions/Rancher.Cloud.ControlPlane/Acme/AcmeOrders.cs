using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.ControlPlane.Certificates;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Reconciliation;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Certificates;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.ControlPlane.Acme;

/// <summary>
/// Orders and renews an environment's automatic certificates: for each hostname its balancers
/// ask for, one that is missing or ends within 30 days is ordered (HTTP-01, answered by the
/// balancers from their plans) and stored as an upload would be, which rolls it out. One
/// order per hostname at a time (a lease on its row); a failure is kept on the row, shown, and
/// tried again later and later.
/// </summary>
public sealed class AcmeOrders(
    Tables tables,
    EnvironmentsService environments,
    ServicesService services,
    CertificatesService certificates,
    AcmeAccounts accounts,
    AcmeQueue queue,
    Dehydrated client,
    ChallengeCheck check,
    Reconciler reconciler,
    TimeProvider clock,
    ILogger<AcmeOrders> log)
{
    /// <summary>How long an order may hold its hostname: longer than it may run (<see cref="OrderLimit"/>).</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    /// <summary>How long one order may take, inside a function's time limit (host.json).</summary>
    private static readonly TimeSpan OrderLimit = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Orders the first hostname due, then asks for another run while more are due: one order per
    /// invocation keeps each inside the function's time limit, and lets other environments' runs in between.
    /// A run a user asked for (<c>now</c>: a rule was written) does not wait out earlier failures.
    /// </summary>
    public async Task RunAsync(string tenantId, string environmentId, CancellationToken ct, bool now = false)
    {
        var partition = Tables.EnvironmentKey(tenantId, environmentId);
        await DropStaleChallengesAsync(tenantId, environmentId, partition, ct);
        var wanted = AcmeCertificates.Wanted(await services.SpecsAsync(partition, ct));
        await ForgetUnwantedAsync(partition, wanted, ct);
        var due = new List<(string Hostname, TableEntity? Order)>();
        foreach (var hostname in wanted)
        {
            var at = clock.GetUtcNow();
            var certificate = await tables.State.FindAsync(partition, CertificateRows.Prefix + AcmeCertificates.NameFor(hostname), ct);
            var order = await tables.State.FindAsync(partition, AcmeRows.OrderPrefix + hostname, ct);
            if (AcmeCertificates.IsDue(certificate?.GetDateTimeOffset("NotBefore"), certificate?.GetDateTimeOffset("NotAfter"), now ? null : order?.GetDateTimeOffset("RetryAt"), at)
                && !(order?.GetDateTimeOffset("LeaseUntil") > at))
            {
                due.Add((hostname, order));
            }
        }
        foreach (var (hostname, order) in due)
        {
            if (await ClaimAsync(partition, hostname, order, clock.GetUtcNow(), ct) is not { } claimed)
            {
                continue;
            }
            var error = await OrderOrWhyNotAsync(tenantId, environmentId, partition, hostname, ct);
            await RecordAsync(claimed, error, ct);
            if (due.Count > 1)
            {
                // The rest wait as usual: this one, if it failed, is not tried again at once.
                await queue.EnqueueAsync(tenantId, environmentId, ct);
            }
            return;
        }
    }

    /// <summary>Orders the certificate; null when it was issued and stored, else why not, as the user is shown it.</summary>
    private async Task<string?> OrderOrWhyNotAsync(string tenantId, string environmentId, string partition, string hostname, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(OrderLimit);
        try
        {
            await OrderAsync(tenantId, environmentId, partition, hostname, limit.Token);
            log.LogInformation("Environment {Environment}: certificate for {Hostname} issued", environmentId, hostname);
            return null;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            var why = e switch
            {
                AcmeOrderFailedException => e.Message,
                OperationCanceledException => $"the order took longer than {OrderLimit.TotalMinutes:0} minutes; the ACME directory did not answer in time",
                System.ComponentModel.Win32Exception => $"the control plane cannot run its ACME client ('{e.Message}'); ask its operator",
                _ => "the order failed in the control plane; its operator has the details",
            };
            log.LogWarning(e is AcmeOrderFailedException ? null : e, "Environment {Environment}: certificate for {Hostname} not issued: {Why}", environmentId, hostname, why);
            return why;
        }
    }

    /// <summary>The environment's orders, for the API: each wanted hostname's certificate name and last outcome.</summary>
    public async Task<Outcome<Environments.Page<AcmeOrderView>>> ListAsync(Access.TenantCaller caller, string environmentId, CancellationToken ct)
    {
        if ((await environments.GetAsync(caller, environmentId, ct)).Failure is { } missing)
        {
            return missing;
        }
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var row in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, AcmeRows.OrderPrefix), cancellationToken: ct))
        {
            rows[row.RowKey[AcmeRows.OrderPrefix.Length..]] = row;
        }
        var now = clock.GetUtcNow();
        var views = new List<AcmeOrderView>();
        foreach (var hostname in AcmeCertificates.Wanted(await services.SpecsAsync(partition, ct)))
        {
            var name = AcmeCertificates.NameFor(hostname);
            var certificate = await tables.State.FindAsync(partition, CertificateRows.Prefix + name, ct);
            var view = rows.TryGetValue(hostname, out var row) ? AcmeRows.ToView(row, name, now) : new AcmeOrderView(hostname, name, 0, null, null, null);
            views.Add(view with { NotAfter = certificate?.GetDateTimeOffset("NotAfter") });
        }
        return new Environments.Page<AcmeOrderView>(views);
    }

    private async Task OrderAsync(string tenantId, string environmentId, string partition, string hostname, CancellationToken ct)
    {
        if (await tables.State.FindAsync(partition, CertificateRows.Prefix + AcmeCertificates.NameFor(hostname), ct) is null
            && (await services.CertificateNamesAsync(partition, ct)).Count >= CertificatesService.MaxPerEnvironment)
        {
            throw new AcmeOrderFailedException($"the environment holds {CertificatesService.MaxPerEnvironment} certificates, the most it may; delete one first");
        }
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // A common name is at most 64 characters; the hostname is in the alternative names either way.
        var request = new CertificateRequest(hostname.Length <= 64 ? $"CN={hostname}" : "", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostname);
        request.CertificateExtensions.Add(names.Build());
        var chain = await client.SignAsync(
            await accounts.KeyAsync(tenantId, ct),
            request.CreateSigningRequestPem(),
            async (challenges, token) =>
            {
                foreach (var c in challenges.Where(c => AcmeCertificates.IsChallengeText(c.Token) && AcmeCertificates.IsChallengeText(c.KeyAuthorization)))
                {
                    await tables.State.UpsertEntityAsync(AcmeRows.Challenge(partition, c.Hostname, c.Token, c.KeyAuthorization, clock.GetUtcNow()), TableUpdateMode.Replace, token);
                }
                await reconciler.ReconcileAsync(tenantId, environmentId, token);
                await check.AnsweredAsync(partition, challenges, token);
            },
            async (challenges, token) =>
            {
                foreach (var c in challenges)
                {
                    await DeleteQuietlyAsync(partition, AcmeRows.ChallengePrefix + c.Token, token);
                }
                await reconciler.ReconcileAsync(tenantId, environmentId, token);
            },
            ct);
        var pems = chain.Split("-----END CERTIFICATE-----", StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            .Select(p => p.Trim() + "\n-----END CERTIFICATE-----\n")
            .ToList();
        var errors = new FieldErrors();
        var draft = new CertificateDraft
        {
            Name = AcmeCertificates.NameFor(hostname),
            Certificate = pems.FirstOrDefault(),
            Chain = pems.Count > 1 ? string.Concat(pems.Skip(1)) : null,
            Key = key.ExportPkcs8PrivateKeyPem(),
        };
        if (CertificateDraft.Check(draft, clock.GetUtcNow(), errors) is not { } bundle)
        {
            throw new AcmeOrderFailedException("the issued certificate was refused: " + string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
        }
        await certificates.StoreAutomaticAsync(tenantId, partition, bundle, ct);
        await reconciler.ReconcileAsync(tenantId, environmentId, ct);
    }

    /// <summary>Takes the hostname's order for this run; null when another run took it first.</summary>
    private async Task<TableEntity?> ClaimAsync(string partition, string hostname, TableEntity? order, DateTimeOffset now, CancellationToken ct)
    {
        var row = order ?? new TableEntity(partition, AcmeRows.OrderPrefix + hostname);
        row["LeaseUntil"] = now + Lease;
        row["LastAttempt"] = now;
        try
        {
            var response = order is null
                ? await tables.State.AddEntityAsync(row, ct)
                : await tables.State.UpdateEntityAsync(row, order.ETag, TableUpdateMode.Replace, ct);
            row.ETag = response.Headers.ETag ?? ETag.All;
            return row;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return null;
        }
    }

    private async Task RecordAsync(TableEntity claimed, string? error, CancellationToken ct)
    {
        var failures = error is null ? 0 : (claimed.GetInt32("Failures") ?? 0) + 1;
        claimed["Failures"] = failures;
        claimed["LastError"] = error;
        claimed["RetryAt"] = error is null ? null : AcmeCertificates.RetryAt(failures, clock.GetUtcNow());
        claimed["LeaseUntil"] = null;
        await tables.State.UpsertEntityAsync(claimed, TableUpdateMode.Replace, ct);
    }

    /// <summary>Orders of hostnames no rule asks for any more: their certificates stay until deleted, their order records go.</summary>
    private async Task ForgetUnwantedAsync(string partition, IReadOnlyList<string> wanted, CancellationToken ct)
    {
        await foreach (var row in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, AcmeRows.OrderPrefix), cancellationToken: ct))
        {
            if (!wanted.Contains(row.RowKey[AcmeRows.OrderPrefix.Length..], StringComparer.Ordinal) && !(row.GetDateTimeOffset("LeaseUntil") > clock.GetUtcNow()))
            {
                await DeleteQuietlyAsync(partition, row.RowKey, ct);
            }
        }
    }

    /// <summary>Challenges an order left behind when it died: balancers stop answering them.</summary>
    private async Task DropStaleChallengesAsync(string tenantId, string environmentId, string partition, CancellationToken ct)
    {
        var dropped = false;
        await foreach (var row in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, AcmeRows.ChallengePrefix), cancellationToken: ct))
        {
            if (AcmeRows.IsStale(row, clock.GetUtcNow()))
            {
                await DeleteQuietlyAsync(partition, row.RowKey, ct);
                dropped = true;
            }
        }
        if (dropped)
        {
            await reconciler.ReconcileAsync(tenantId, environmentId, ct);
        }
    }

    private async Task DeleteQuietlyAsync(string partition, string rowKey, CancellationToken ct)
    {
        try
        {
            await tables.State.DeleteEntityAsync(partition, rowKey, ETag.All, ct);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }
    }
}
