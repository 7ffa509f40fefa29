using Azure;
using Azure.Data.Tables;
using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.ControlPlane.Storage;

/// <summary>
/// An environment partition's rows, typed: the one place that tells its row kinds apart by key
/// prefix. The reconciler reads the whole partition but its events; a service's view reads only its own rows.
/// </summary>
public sealed class EnvironmentRows
{
    /// <summary>The environment's meta row: its revision, name and network; null when the environment is gone.</summary>
    public TableEntity? Meta { get; private set; }

    public List<Service> Services { get; } = [];

    public List<Instance> Instances { get; } = [];

    public List<Host> Hosts { get; } = [];

    public Dictionary<string, StoredPlan> Plans { get; } = new(StringComparer.Ordinal);

    /// <summary>Each service's last placement status, by service id.</summary>
    public Dictionary<string, ServiceStatus> Statuses { get; } = new(StringComparer.Ordinal);

    /// <summary>What agents last reported, by instance id.</summary>
    public Dictionary<string, Observation> Observations { get; } = new(StringComparer.Ordinal);

    /// <summary>Each service's recent health replacements, by service id.</summary>
    public Dictionary<string, ReplacementHistory> Replacements { get; } = new(StringComparer.Ordinal);

    /// <summary>The environment's certificates' versions, by name (their keys stay in their rows).</summary>
    public Dictionary<string, string> Certificates { get; } = new(StringComparer.Ordinal);

    /// <summary>ACME challenges being proven now, which the balancers answer.</summary>
    public List<Contracts.PlannedChallenge> AcmeChallenges { get; } = [];

    /// <summary>Every row's ETag, by row key, for writes guarded by what was read.</summary>
    public Dictionary<string, ETag> ETags { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The whole partition but its event history and its volume tasks, which grow with use and
    /// which no placement decision reads: three key ranges around them, so the store skips them.
    /// </summary>
    public static async Task<EnvironmentRows> ReadAsync(Tables tables, string partition, CancellationToken ct)
    {
        const string storage = Volumes.BackupRows.Prefix;
        const string events = Events.EventRows.Prefix;
        var first = ListAsync(tables, TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey lt {storage}"), ct);
        var between = ListAsync(tables, TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {storage + "\uffff"} and RowKey lt {events}"), ct);
        var after = ListAsync(tables, TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {events + "\uffff"}"), ct);
        var rows = new EnvironmentRows();
        foreach (var row in (await first).Concat(await between).Concat(await after))
        {
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Every service's rows: services, statuses, instances and observations; no hosts or plans.</summary>
    public static Task<EnvironmentRows> ReadServicesAsync(Tables tables, string partition, CancellationToken ct) =>
        QueryAsync(tables, TableClient.CreateQueryFilter(
            $"PartitionKey eq {partition} and ((RowKey ge {StateRows.ServicePrefix} and RowKey lt {StateRows.ServicePrefix + "\uffff"}) or (RowKey ge {StateRows.StatusPrefix} and RowKey lt {StateRows.StatusPrefix + "\uffff"}) or (RowKey ge {StateRows.InstancePrefix} and RowKey lt {StateRows.InstancePrefix + "\uffff"}) or (RowKey ge {StateRows.ObservedPrefix} and RowKey lt {StateRows.ObservedPrefix + "\uffff"}))"),
            ct);

    /// <summary>One service's rows: itself, its status, its instances and what was observed of them.</summary>
    public static Task<EnvironmentRows> ReadServiceAsync(Tables tables, string partition, string serviceId, CancellationToken ct) =>
        QueryAsync(tables, TableClient.CreateQueryFilter(
            $"PartitionKey eq {partition} and (RowKey eq {StateRows.ServicePrefix + serviceId} or RowKey eq {StateRows.StatusPrefix + serviceId} or (RowKey ge {StateRows.InstancePrefix + serviceId + "~"} and RowKey lt {StateRows.InstancePrefix + serviceId + "~~"}) or (RowKey ge {StateRows.ObservedPrefix} and RowKey lt {StateRows.ObservedPrefix + "\uffff"} and ServiceId eq {serviceId}))"),
            ct);

    private static async Task<List<TableEntity>> ListAsync(Tables tables, string filter, CancellationToken ct)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in tables.State.QueryAsync<TableEntity>(filter, cancellationToken: ct))
        {
            rows.Add(row);
        }
        return rows;
    }

    private static async Task<EnvironmentRows> QueryAsync(Tables tables, string filter, CancellationToken ct)
    {
        var rows = new EnvironmentRows();
        await foreach (var row in tables.State.QueryAsync<TableEntity>(filter, cancellationToken: ct))
        {
            rows.Add(row);
        }
        return rows;
    }

    private void Add(TableEntity row)
    {
        var key = row.RowKey;
        ETags[key] = row.ETag;
        if (key == StateRows.Meta)
        {
            Meta = row;
        }
        else if (key.StartsWith(StateRows.ServicePrefix, StringComparison.Ordinal))
        {
            Services.Add(StateRows.ToService(row));
        }
        else if (key.StartsWith(StateRows.InstancePrefix, StringComparison.Ordinal))
        {
            Instances.Add(StateRows.ToInstance(row));
        }
        else if (key.StartsWith(StateRows.HostPrefix, StringComparison.Ordinal))
        {
            Hosts.Add(StateRows.ToHost(row));
        }
        else if (key.StartsWith(StateRows.PlanPrefix, StringComparison.Ordinal))
        {
            Plans[key[StateRows.PlanPrefix.Length..]] = StateRows.ToStoredPlan(row);
        }
        else if (key.StartsWith(StateRows.StatusPrefix, StringComparison.Ordinal))
        {
            Statuses[key[StateRows.StatusPrefix.Length..]] = StateRows.ToStatus(row);
        }
        else if (key.StartsWith(StateRows.ObservedPrefix, StringComparison.Ordinal))
        {
            var observation = StateRows.ToObservation(row);
            Observations[observation.InstanceId] = observation;
        }
        else if (key.StartsWith(ControlPlane.Certificates.CertificateRows.Prefix, StringComparison.Ordinal))
        {
            Certificates[key[ControlPlane.Certificates.CertificateRows.Prefix.Length..]] = row.GetString(ControlPlane.Certificates.CertificateRows.VersionColumn);
        }
        else if (key.StartsWith(Acme.AcmeRows.ChallengePrefix, StringComparison.Ordinal))
        {
            AcmeChallenges.Add(Acme.AcmeRows.ToChallenge(row));
        }
        else if (key.StartsWith(StateRows.ReplacementsPrefix, StringComparison.Ordinal))
        {
            Replacements[key[StateRows.ReplacementsPrefix.Length..]] = StateRows.ToReplacementHistory(row);
        }
    }
}
