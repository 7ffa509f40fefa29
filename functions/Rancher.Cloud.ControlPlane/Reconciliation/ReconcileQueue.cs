using System.Text.Json;
using Azure.Storage.Queues;

namespace Rancher.Cloud.ControlPlane.Reconciliation;

/// <summary>
/// A request to reconcile one environment; internal work, carried on a storage queue.
/// <paramref name="RequestedAt"/> lets a pass that began later answer it (<see cref="SettledEnvironments"/>).
/// </summary>
public sealed record ReconcileRequest(string TenantId, string EnvironmentId, DateTimeOffset? RequestedAt = null);

/// <summary>
/// The internal work queue the queue-triggered reconcile function reads. Messages are base64,
/// as the Functions queue trigger expects by default.
/// </summary>
public sealed class ReconcileQueue(QueueServiceClient queues)
{
    public const string Name = "reconcile";

    private QueueClient Queue { get; } = queues.GetQueueClient(Name);

    public Task EnsureCreatedAsync(CancellationToken ct) => Queue.CreateIfNotExistsAsync(cancellationToken: ct);

    public Task EnqueueAsync(ReconcileRequest request, CancellationToken ct) =>
        Queue.SendMessageAsync(JsonSerializer.Serialize(request), ct);

    /// <summary>A request that becomes visible only after <paramref name="delay"/> (whole seconds, at most 7 days).</summary>
    public Task EnqueueAsync(ReconcileRequest request, TimeSpan delay, CancellationToken ct) =>
        Queue.SendMessageAsync(JsonSerializer.Serialize(request), visibilityTimeout: delay, cancellationToken: ct);

    public static ReconcileRequest? Parse(string message)
    {
        try
        {
            return JsonSerializer.Deserialize<ReconcileRequest>(message);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
