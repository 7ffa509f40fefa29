using System.Text.Json;
using Azure.Storage.Queues;
using Rancher.Cloud.ControlPlane.Reconciliation;

namespace Rancher.Cloud.ControlPlane.Acme;

/// <summary>
/// Requests to order (or renew) one environment's automatic certificates: sent when a balancer
/// asking for one is written, and by the hourly renewal timer for every environment.
/// </summary>
public sealed class AcmeQueue(QueueServiceClient queues)
{
    public const string Name = "acme-orders";

    private QueueClient Queue { get; } = queues.GetQueueClient(Name);

    public Task EnsureCreatedAsync(CancellationToken ct) => Queue.CreateIfNotExistsAsync(cancellationToken: ct);

    public Task EnqueueAsync(string tenantId, string environmentId, CancellationToken ct) =>
        Queue.SendMessageAsync(JsonSerializer.Serialize(new ReconcileRequest(tenantId, environmentId)), ct);
}
