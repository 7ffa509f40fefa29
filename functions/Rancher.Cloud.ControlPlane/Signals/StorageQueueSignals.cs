using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Sas;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.ControlPlane.Signals;

/// <summary>
/// Signals over Azure Storage Queues: one queue per host, since Storage Queues have no
/// sessions. The agent gets a read/process SAS for its own queue only.
/// </summary>
public sealed class StorageQueueSignals(QueueServiceClient queues, string agentQueueEndpoint, TimeProvider clock, ILogger<StorageQueueSignals> log) : IAgentSignals
{
    /// <summary>How long a channel's SAS works; agents refresh it with every heartbeat.</summary>
    public static readonly TimeSpan ChannelLifetime = TimeSpan.FromHours(24);

    private static readonly TimeSpan SignalLifetime = TimeSpan.FromMinutes(10);

    public static string QueueName(string hostId) => $"agent-{hostId}";

    public async Task PrepareAsync(HostAddress host, CancellationToken ct) =>
        await queues.GetQueueClient(QueueName(host.HostId)).CreateIfNotExistsAsync(cancellationToken: ct);

    public async Task SendAsync(HostAddress host, PlanReady signal, CancellationToken ct)
    {
        try
        {
            await queues.GetQueueClient(QueueName(host.HostId))
                .SendMessageAsync(JsonSerializer.Serialize(signal), timeToLive: SignalLifetime, cancellationToken: ct);
        }
        catch (Azure.RequestFailedException e)
        {
            // A lost signal only delays convergence until the agent's next poll.
            log.LogWarning(e, "Signal for host {HostId} plan {Version} not sent", host.HostId, signal.PlanVersion);
        }
    }

    public SignalChannel ChannelFor(HostAddress host)
    {
        var expires = clock.GetUtcNow() + ChannelLifetime;
        var queue = queues.GetQueueClient(QueueName(host.HostId));
        var uri = queue.GenerateSasUri(QueueSasPermissions.Read | QueueSasPermissions.Process, expires);
        if (agentQueueEndpoint.Length > 0)
        {
            // Same queue and signature, at the address agents reach the storage account by.
            uri = new Uri($"{agentQueueEndpoint.TrimEnd('/')}/{queue.Name}{uri.Query}");
        }
        return new SignalChannel(SignalChannel.StorageQueueKind) { QueueUri = uri.ToString(), ExpiresOn = expires };
    }
}
