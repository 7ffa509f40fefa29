using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Agents;
using Rancher.Cloud.ControlPlane.Reconciliation;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Hosts;

namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>
/// An environment's hosts, with the state their heartbeats and the operator give them, and
/// the operator's actions: deactivate, activate, evacuate, remove.
/// </summary>
public sealed class HostsService(Tables tables, EnvironmentsService environments, HostCredentials credentials, Reconciler reconciler, TimeProvider clock)
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
            hosts.Add(ToDetails(StateRows.ToHost(row), now));
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
            ? ToDetails(StateRows.ToHost(row), clock.GetUtcNow())
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

    private static HostDetails ToDetails(Host host, DateTimeOffset now)
    {
        var f = host.Facts;
        return new HostDetails(
            host.Id, f.Hostname, HostLiveness.StateOf(host, now).ToString().ToLowerInvariant(),
            f.DockerVersion, f.Cpus, f.MemoryBytes, f.Os, f.Architecture, host.RegisteredAt, host.LastSeen,
            f.Labels ?? new Dictionary<string, string>())
        {
            Evacuated = host.Mode == HostMode.Evacuated,
            Subnet = host.Subnet,
        };
    }
}
