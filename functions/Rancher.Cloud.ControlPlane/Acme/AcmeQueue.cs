using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;

namespace Rancher.Cloud.ControlPlane.Acme;

/// <summary>Order what one environment's balancers ask for; <see cref="Now"/> when a user just wrote a rule.</summary>
public sealed record AcmeRequest(string TenantId, string EnvironmentId, bool Now = false);

/// <summary>
/// Requests to order (or renew) one environment's automatic certificates: sent when a balancer
/// asking for one is written, and by the hourly renewal timer for every environment.
/// </summary>
public sealed class AcmeQueue(QueueServiceClient queues, ILogger<AcmeQueue> log)
{
    public const string Name = "acme-orders";

    private QueueClient Queue { get; } = queues.GetQueueClient(Name);

    public Task EnsureCreatedAsync(CancellationToken ct) => Queue.CreateIfNotExistsAsync(cancellationToken: ct);

    /// <summary>Asks for a run; <c>now</c> when a user wrote a rule, so earlier failures are not waited out.</summary>
    public Task EnqueueAsync(string tenantId, string environmentId, CancellationToken ct, bool now = false) =>
        Queue.SendMessageAsync(JsonSerializer.Serialize(new AcmeRequest(tenantId, environmentId, now)), ct);

    /// <summary>A user's write enqueues one after it stored: a queue that fails then is not the user's failure, and the hourly run catches up.</summary>
    public async Task TryEnqueueAsync(string tenantId, string environmentId, CancellationToken ct)
    {
        try
        {
            await EnqueueAsync(tenantId, environmentId, ct, now: true);
        }
        catch (Azure.RequestFailedException e)
        {
            log.LogWarning("Could not ask for ACME orders in {Environment}; the hourly run will: {Error}", environmentId, e.Message);
        }
    }

    public static AcmeRequest? Parse(string message)
    {
        try
        {
            return JsonSerializer.Deserialize<AcmeRequest>(message);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
