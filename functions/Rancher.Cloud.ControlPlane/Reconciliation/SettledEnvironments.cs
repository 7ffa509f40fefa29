using System.Collections.Concurrent;

namespace Rancher.Cloud.ControlPlane.Reconciliation;

/// <summary>
/// When each environment last settled in this process: the start of the last reconcile that
/// left nothing to do. A request made before that start is already answered (reconciling is
/// level-triggered: that pass read every change the request was about), so it is dropped
/// instead of reading the environment again. This keeps the sweep's queue from piling up
/// when passes take longer than the sweep period. Best effort across processes: another
/// instance that has not seen the environment settle simply reconciles it.
/// </summary>
public sealed class SettledEnvironments
{
    /// <summary>Leeway for clocks of the instances that made the requests.</summary>
    private static readonly TimeSpan ClockLeeway = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<(string Tenant, string Environment), DateTimeOffset> settled = new();

    /// <summary>Whether a request made at <paramref name="requestedAt"/> was answered by a pass that began after it.</summary>
    public bool Answered(string tenantId, string environmentId, DateTimeOffset? requestedAt) =>
        requestedAt is { } at && settled.TryGetValue((tenantId, environmentId), out var since) && since > at + ClockLeeway;

    /// <summary>Records a pass that began at <paramref name="startedAt"/> and found nothing left to do.</summary>
    public void Settled(string tenantId, string environmentId, DateTimeOffset startedAt) =>
        settled.AddOrUpdate((tenantId, environmentId), startedAt, (_, old) => old > startedAt ? old : startedAt);

    /// <summary>Forgets an environment that is gone.</summary>
    public void Forget(string tenantId, string environmentId) => settled.TryRemove((tenantId, environmentId), out _);
}
