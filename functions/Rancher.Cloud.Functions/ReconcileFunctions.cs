using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Reconciliation;

namespace Rancher.Cloud.Functions;

/// <summary>
/// The reconciler's triggers: a timer that fans out one reconcile request per environment,
/// and a queue trigger that reconciles one environment per message.
/// </summary>
public sealed class ReconcileFunctions(
    EnvironmentsService environments, ReconcileQueue queue, Reconciler reconciler, TimeProvider clock, ILogger<ReconcileFunctions> log)
{
    [Function(nameof(ReconcileAll))]
    public async Task ReconcileAll([TimerTrigger("*/10 * * * * *")] TimerInfo timer, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await foreach (var (tenantId, environmentId) in environments.AllAsync(ct))
        {
            await queue.EnqueueAsync(new ReconcileRequest(tenantId, environmentId, now), ct);
        }
    }

    [Function(nameof(ReconcileEnvironment))]
    public async Task ReconcileEnvironment([QueueTrigger(ReconcileQueue.Name)] string message, CancellationToken ct)
    {
        if (ReconcileQueue.Parse(message) is not { } request)
        {
            log.LogWarning("Ignored a malformed reconcile request");
            return;
        }
        await reconciler.ReconcileAsync(request, ct);
    }
}
