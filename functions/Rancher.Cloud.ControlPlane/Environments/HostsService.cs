using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Hosts;

namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>Lists an environment's hosts with the state their heartbeats give them.</summary>
public sealed class HostsService(Tables tables, EnvironmentsService environments, TimeProvider clock)
{
    public async Task<Outcome<Page<HostDetails>>> ListAsync(TenantCaller caller, string environmentId, CancellationToken ct)
    {
        var environment = await environments.GetAsync(caller, environmentId, ct);
        if (environment.Failure is { } failure)
        {
            return failure;
        }
        var partition = Tables.EnvironmentKey(caller.TenantId, environmentId);
        var now = clock.GetUtcNow();
        var hosts = new List<HostDetails>();
        await foreach (var row in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, StateRows.HostPrefix), cancellationToken: ct))
        {
            var host = StateRows.ToHost(row);
            var f = host.Facts;
            hosts.Add(new HostDetails(
                host.Id, f.Hostname, HostLiveness.StateOf(host, now).ToString().ToLowerInvariant(),
                f.DockerVersion, f.Cpus, f.MemoryBytes, f.Os, f.Architecture, host.RegisteredAt, host.LastSeen,
                f.Labels ?? new Dictionary<string, string>()));
        }
        return new Page<HostDetails>(hosts);
    }
}
