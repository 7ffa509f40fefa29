using Microsoft.Extensions.Logging;
using Rancher.Cloud.ControlPlane.Signals;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Reconcile;

namespace Rancher.Cloud.ControlPlane.Reconciliation;

/// <summary>
/// Drives one environment toward its desired state: read, compute one step, commit it
/// atomically, signal the hosts whose plans changed, repeat until nothing is left to do.
/// Level-triggered and safe to run concurrently: a lost race re-reads and retries.
/// </summary>
public sealed class Reconciler(
    EnvironmentState state,
    ReconcilePlanner planner,
    IAgentSignals signals,
    SettledEnvironments settled,
    ReconcileQueue queue,
    Wakeups wakeups,
    TimeProvider clock,
    ILogger<Reconciler> log)
{
    private const int MaxSteps = 200;
    private const int MaxConflicts = 20;

    /// <summary>Reconciles now, whatever asked.</summary>
    public Task ReconcileAsync(string tenantId, string environmentId, CancellationToken ct) =>
        ReconcileAsync(new ReconcileRequest(tenantId, environmentId), ct);

    /// <summary>Answers a request, unless a pass that began after it was made already settled the environment.</summary>
    public async Task ReconcileAsync(ReconcileRequest request, CancellationToken ct)
    {
        var (tenantId, environmentId) = (request.TenantId, request.EnvironmentId);
        if (settled.Answered(tenantId, environmentId, request.RequestedAt))
        {
            return;
        }
        var began = clock.GetUtcNow();
        var conflicts = 0;
        for (var steps = 0; steps < MaxSteps;)
        {
            var loaded = await state.LoadAsync(tenantId, environmentId, ct);
            if (loaded is null)
            {
                settled.Forget(tenantId, environmentId);
                return;
            }
            var now = clock.GetUtcNow();
            var step = planner.NextStep(loaded.Snapshot, now);
            if (step.IsEmpty)
            {
                settled.Settled(tenantId, environmentId, began);
                await WakeLaterAsync(tenantId, environmentId, step.WakeAt, now, ct);
                return;
            }
            if (!await state.CommitAsync(loaded, step, now, ct))
            {
                if (++conflicts > MaxConflicts)
                {
                    log.LogWarning("Environment {Environment}: gave up after {Conflicts} conflicting writers; the next trigger retries", environmentId, conflicts);
                    return;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * conflicts)), ct);
                continue;
            }
            steps++;
            log.LogInformation(
                "Environment {Environment} revision {Revision}: +{Added} -{Removed} instances, {Plans} plans",
                environmentId, loaded.Revision + 1, step.Added.Count, step.Removed.Count, step.Plans.Count);
            await Task.WhenAll(step.Plans.Select(p =>
                signals.SendAsync(new HostAddress(tenantId, environmentId, p.Plan.HostId), new PlanReady(p.Plan.HostId, p.Plan.Version), ct)));
        }
    }

    /// <summary>
    /// Queues a reconcile for when what the environment waits on falls due, so an upgrade's next
    /// batch or a drained instance's removal comes then rather than on the sweep.
    /// </summary>
    private static readonly TimeSpan MaxWakeDelay = TimeSpan.FromDays(7);

    private async Task WakeLaterAsync(string tenantId, string environmentId, DateTimeOffset? at, DateTimeOffset now, CancellationToken ct)
    {
        if (at is not { } due || !wakeups.Claim(tenantId, environmentId, due, now))
        {
            return;
        }
        // A queue delays by whole seconds (round up, so the pass never comes before the moment) and
        // at most seven days; the periodic sweep looks again long before a later moment anyway.
        var delay = TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling((due - now).TotalSeconds), 1, MaxWakeDelay.TotalSeconds));
        await queue.EnqueueAsync(new ReconcileRequest(tenantId, environmentId, due), delay, ct);
    }
}
