using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Reconciliation;
using Rancher.Cloud.ControlPlane.Signals;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Hosts;

namespace Rancher.Cloud.ControlPlane.Agents;

/// <summary>
/// What an agent does with its host credential: fetch its own plan, report what it observed,
/// and heartbeat. A credential reaches only its own host's rows.
/// </summary>
public sealed class AgentService(Tables tables, IAgentSignals signals, ReconcileQueue reconcile, TimeProvider clock)
{
    /// <summary>The host's current plan, or null when it has none yet.</summary>
    public async Task<HostPlan?> PlanAsync(HostCaller host, CancellationToken ct)
    {
        var row = await PlanRowAsync(host, ct);
        return row is null ? null : StateRows.ToPlan(row);
    }

    /// <summary>More than a host can run: a plan places at most this many instances on one host.</summary>
    private const int MaxReportedContainers = 5_000;

    public static string ETagOf(HostPlan plan) => $"\"v{plan.Version}\"";

    public async Task<Outcome<bool>> ReportAsync(HostCaller host, HostReport report, CancellationToken ct)
    {
        if (report.Containers is null)
        {
            return Failure.Invalid("containers", "is required");
        }
        if (report.Containers.Count > MaxReportedContainers)
        {
            return Failure.Invalid("containers", $"must have at most {MaxReportedContainers} items");
        }
        if (HostConditionRules.Check(report.Conditions) is { } refused)
        {
            return Failure.Invalid("conditions", refused);
        }
        // Kept in one column of the host row: refused before anything is written if it would not fit there.
        var conditionsJson = report.Conditions is null ? null : StateRows.ToJson(report.Conditions);
        if (conditionsJson is { Length: > ChunkedProperty.Chunk })
        {
            return Failure.Invalid("conditions", $"are {conditionsJson.Length} characters when stored, more than the {ChunkedProperty.Chunk} a host keeps; shorten the errors");
        }
        var planRow = await PlanRowAsync(host, ct);
        var planned = planRow is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : StateRows.ToPlan(planRow).Containers.ToDictionary(c => c.InstanceId, c => c.ServiceId, StringComparer.Ordinal);
        var partition = Tables.EnvironmentKey(host.TenantId, host.EnvironmentId);
        var now = clock.GetUtcNow();
        // Only instances planned for this host: a host cannot write another host's observations.
        var rows = report.Containers
            .Where(c => c is not null && planned.ContainsKey(c.InstanceId))
            .DistinctBy(c => c.InstanceId)
            .Select(c => StateRows.ToRow(partition, host.HostId, c, planned[c.InstanceId], report.PlanVersion, now))
            .ToList();
        foreach (var chunk in rows.Chunk(100))
        {
            await tables.State.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)), ct);
        }
        // What the host runs changed (an instance started, stopped, turned healthy or unhealthy): the
        // next reconcile replaces failing instances and refreshes DNS; ask for it now, not at the next tick.
        var digest = ReportDigest(rows.Select(StateRows.ToObservation));
        var hostRow = await tables.State.GetEntityIfExistsAsync<TableEntity>(partition, StateRows.HostPrefix + host.HostId, ["ReportDigest", StateRows.ConditionsColumn, Volumes.VolumeCatalog.Column], ct);
        if (!hostRow.HasValue)
        {
            return true;
        }
        var update = new TableEntity(partition, StateRows.HostPrefix + host.HostId);
        // A host that never reported ran nothing: its first empty report changes nothing and asks for no reconcile
        // (a thousand idle agents starting together asked for a thousand).
        var changed = (hostRow.Value!.GetString("ReportDigest") ?? EmptyReportDigest) != digest;
        if (changed)
        {
            update["ReportDigest"] = digest;
        }
        // How the agent's concerns stand (its network above all) is shown with the host; written when it changes.
        if (conditionsJson is not null && conditionsJson != hostRow.Value.GetString(StateRows.ConditionsColumn))
        {
            update[StateRows.ConditionsColumn] = conditionsJson;
        }
        // The host's volumes and their sizes, shown in the environment's volume list; written when they change.
        if (report.Volumes is not null && Volumes.VolumeCatalog.ToJson(report.Volumes) is var volumes && volumes != hostRow.Value.GetString(Volumes.VolumeCatalog.Column))
        {
            update[Volumes.VolumeCatalog.Column] = volumes;
        }
        if (update.ContainsKey("ReportDigest") || update.ContainsKey(StateRows.ConditionsColumn) || update.ContainsKey(Volumes.VolumeCatalog.Column))
        {
            await tables.State.UpdateEntityAsync(update, Azure.ETag.All, TableUpdateMode.Merge, ct);
        }
        if (changed)
        {
            await reconcile.EnqueueAsync(new ReconcileRequest(host.TenantId, host.EnvironmentId, clock.GetUtcNow()), ct);
        }
        return true;
    }

    public async Task<Outcome<HeartbeatResponse>> HeartbeatAsync(HostCaller host, Heartbeat heartbeat, CancellationToken ct)
    {
        var partition = Tables.EnvironmentKey(host.TenantId, host.EnvironmentId);
        if (HostFactsRules.Check(heartbeat.Facts, "facts", new FieldErrors()) is { IsEmpty: false } refused)
        {
            return Failure.Invalid(refused);
        }
        var beat = await Contention.RetryAsync(() => RecordBeatAsync(host, partition, heartbeat, ct), "The host", ct);
        if (beat.Failure is { } failure)
        {
            return failure;
        }
        // Only the version: a heartbeat must not drag the whole plan out of storage.
        var version = await tables.State.GetEntityIfExistsAsync<TableEntity>(partition, StateRows.PlanPrefix + host.HostId, ["Version"], ct);
        var address = new HostAddress(host.TenantId, host.EnvironmentId, host.HostId);
        return new HeartbeatResponse(version.HasValue ? version.Value!.GetInt64("Version") ?? 0 : 0, signals.ChannelFor(address))
        {
            Standing = beat.Value switch
            {
                CloneVerdict.Suspected => HostStandings.Suspected,
                CloneVerdict.RegisterAnew => HostStandings.RegisterAnew,
                _ => HostStandings.Good,
            },
            Reason = beat.Value switch
            {
                CloneVerdict.Suspected => "Another machine uses this host's credential and was heard first; the host shows 'conflict' until an operator keeps one machine (POST .../hosts/{hostId}/resolveConflict). This machine does not converge meanwhile.",
                CloneVerdict.RegisterAnew => "An operator kept the other machine that used this host's credential; this machine must register as a new host with a registration token.",
                _ => null,
            },
        };
    }

    /// <summary>
    /// Records a beat under the host row's ETag: the clone watch decides whether this machine is
    /// the host's (facts and liveness recorded), a second machine (only the conflict recorded) or
    /// one the operator dismissed (nothing recorded).
    /// </summary>
    private async Task<Outcome<CloneVerdict>> RecordBeatAsync(HostCaller host, string partition, Heartbeat heartbeat, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var row = await tables.State.FindAsync(partition, StateRows.HostPrefix + host.HostId, ct);
        var (watch, verdict) = (row is null ? CloneWatch.None : StateRows.ToCloneWatch(row)).Observe(heartbeat.Facts, now);
        var update = verdict switch
        {
            CloneVerdict.Accepted => StateRows.HeartbeatRow(partition, host.HostId, heartbeat.Facts, now, heartbeat.AppliedPlanVersion),
            CloneVerdict.Suspected => new TableEntity(partition, StateRows.HostPrefix + host.HostId),
            _ => null,
        };
        if (update is null)
        {
            return verdict;
        }
        update[StateRows.CloneWatchColumn] = StateRows.ToJson(watch);
        if (row is null)
        {
            await tables.State.UpsertEntityAsync(update, TableUpdateMode.Merge, ct);
        }
        else
        {
            await tables.State.UpdateEntityAsync(update, row.ETag, TableUpdateMode.Merge, ct);
        }
        return verdict;
    }

    private static readonly string EmptyReportDigest = ReportDigest([]);

    /// <summary>What a report says, as stored (trimmed): the same report twice has the same digest.</summary>
    private static string ReportDigest(IEnumerable<Observation> observed) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Join(';', observed.Select(o => $"{StateRows.ObservedPrefix}{o.InstanceId}:{o.State}:{o.Health}").Order(StringComparer.Ordinal)))))[..16];

    private async Task<TableEntity?> PlanRowAsync(HostCaller host, CancellationToken ct) =>
        await tables.State.FindAsync(Tables.EnvironmentKey(host.TenantId, host.EnvironmentId), StateRows.PlanPrefix + host.HostId, ct);
}
