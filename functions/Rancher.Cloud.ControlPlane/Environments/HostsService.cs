using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Agents;
using Rancher.Cloud.ControlPlane.Reconciliation;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Networking;

namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>
/// An environment's hosts, with the state their heartbeats and the operator give them, and
/// the operator's actions: deactivate, activate, evacuate, remove.
/// </summary>
public sealed class HostsService(Tables tables, EnvironmentsService environments, HostCredentials credentials, Reconciler reconciler, Volumes.VolumeTasksService volumeTasks, TimeProvider clock)
{
    public async Task<Outcome<Page<HostDetails>>> ListAsync(TenantCaller caller, string environmentId, CancellationToken ct)
    {
        if ((await environments.GetAsync(caller, environmentId, ct)).Failure is { } failure)
        {
            return failure;
        }
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        var now = clock.GetUtcNow();
        var hosts = new List<HostDetails>();
        await foreach (var row in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, StateRows.HostPrefix), cancellationToken: ct))
        {
            hosts.Add(ToDetails(row, now));
        }
        return new Page<HostDetails>(hosts);
    }

    public async Task<Outcome<HostDetails>> GetAsync(TenantCaller caller, string environmentId, string hostId, CancellationToken ct)
    {
        if ((await environments.GetAsync(caller, environmentId, ct)).Failure is { } failure)
        {
            return failure;
        }
        return await FindAsync(Tables.EnvironmentKey(caller.TenantId, environmentId), hostId, ct) is { } row
            ? ToDetails(row, clock.GetUtcNow())
            : Failure.NotFound("The host");
    }

    /// <summary>
    /// Sets what the operator wants of the host, then reconciles: evacuated and removed hosts'
    /// instances are placed elsewhere; a removed host's credential stops working at once.
    /// </summary>
    public async Task<Outcome<HostDetails>> ChangeAsync(TenantCaller caller, string environmentId, string hostId, HostMode mode, CancellationToken ct)
    {
        if ((await environments.GetAsync(caller, environmentId, ct)).Failure is { } failure)
        {
            return failure;
        }
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        // A heartbeat or a reconcile step may write the host row between the read and the write: read again and retry.
        var changed = await Contention.RetryAsync(() => ChangeOnceAsync(partition, hostId, mode, ct), "The host", ct);
        if (changed.Failure is { } refused)
        {
            return refused;
        }
        await reconciler.ReconcileAsync(caller.TenantId, environmentId, ct);
        return await GetAsync(caller, environmentId, hostId, ct);
    }

    /// <summary>
    /// Ends a conflict: the machine named by <see cref="ResolveConflictRequest.Keep"/> goes on as
    /// the host; the other is told to register as a new host at its next heartbeat.
    /// </summary>
    public async Task<Outcome<HostDetails>> ResolveConflictAsync(TenantCaller caller, string environmentId, string hostId, ResolveConflictRequest request, CancellationToken ct)
    {
        if ((await environments.GetAsync(caller, environmentId, ct)).Failure is { } failure)
        {
            return failure;
        }
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        var resolved = await Contention.RetryAsync<bool>(async () =>
        {
            if (await FindAsync(partition, hostId, ct) is not { } row)
            {
                return Failure.NotFound("The host");
            }
            var watch = StateRows.ToCloneWatch(row);
            if (watch.Conflict is not { } machines)
            {
                return Failure.Conflict("The host is not in conflict: one machine uses its credential.");
            }
            if (!machines.Any(m => m.Incarnation == request.Keep))
            {
                return Failure.Invalid("keep", $"must be the incarnation of one of the machines in conflict: {string.Join(", ", machines.Select(m => m.Incarnation))}");
            }
            var update = new TableEntity(partition, row.RowKey) { [StateRows.CloneWatchColumn] = StateRows.ToJson(watch.Resolve(request.Keep!)) };
            await tables.State.UpdateEntityAsync(update, row.ETag, TableUpdateMode.Merge, ct);
            return true;
        }, "The host", ct);
        return resolved.Failure is { } refused ? refused : await GetAsync(caller, environmentId, hostId, ct);
    }

    private async Task<Outcome<bool>> ChangeOnceAsync(string partition, string hostId, HostMode mode, CancellationToken ct)
    {
        if (await FindAsync(partition, hostId, ct) is not { } row)
        {
            return Failure.NotFound("The host");
        }
        if (StateRows.ToHost(row).Mode == HostMode.Removed)
        {
            return Failure.Conflict("The host was removed; install the agent again with a registration token to bring the machine back.");
        }
        if (mode == HostMode.Removed)
        {
            await credentials.RevokeAsync(hostId, ct);
            await volumeTasks.FailHostTasksAsync(partition, hostId, ct);
        }
        // Touching the meta row fails any reconcile step computed before this change (its ETag moves).
        List<TableTransactionAction> actions =
        [
            new(TableTransactionActionType.UpdateMerge, new TableEntity(partition, row.RowKey) { ["Mode"] = mode.ToString() }, row.ETag),
            new(TableTransactionActionType.UpdateMerge, new TableEntity(partition, StateRows.Meta) { ["HostsChangedAt"] = clock.GetUtcNow() }),
        ];
        if (mode == HostMode.Removed && StateRows.ToHost(row).Subnet is { } subnet)
        {
            // A removed host gives its /24 back for the next host to register.
            actions.Add(new(TableTransactionActionType.Delete, StateRows.SubnetClaim(partition, subnet, hostId), Azure.ETag.All));
        }
        await tables.State.SubmitTransactionAsync(actions, ct);
        return true;
    }

    private async Task<TableEntity?> FindAsync(string partition, string hostId, CancellationToken ct) =>
        RandomIds.IsWellFormed(hostId) ? await tables.State.FindAsync(partition, StateRows.HostPrefix + hostId, ct) : null;

    private static HostDetails ToDetails(TableEntity row, DateTimeOffset now)
    {
        var host = StateRows.ToHost(row);
        var conflict = StateRows.ToCloneWatch(row).Conflict;
        var f = host.Facts;
        var addressConflict = MachineRanges.ConflictOf(host.Subnet, f.UsedRanges);
        var state = (conflict is not null || addressConflict is not null) && host.Mode != HostMode.Removed ? "conflict" : HostLiveness.StateOf(host, now).ToString().ToLowerInvariant();
        return new HostDetails(
            host.Id, f.Hostname, state,
            f.DockerVersion, f.Cpus, f.MemoryBytes, f.Os, f.Architecture, host.RegisteredAt, host.LastSeen,
            f.Labels ?? new Dictionary<string, string>())
        {
            Evacuated = host.Mode == HostMode.Evacuated,
            Conditions = StateRows.ToConditions(row),
            Subnet = host.Subnet,
            Conflict = conflict,
            AddressConflict = addressConflict,
        };
    }
}
