using Azure;
using Azure.Storage.Queues;

namespace Rancher.Cloud.Agent.Signals;

/// <summary>
/// Listens on the host's own storage queue through the read/process SAS URI the control plane
/// handed out. Storage queues cannot push, so it polls, backing off while the queue is quiet.
/// </summary>
public sealed class StorageQueueSignalSource(Uri queueUri) : ISignalSource
{
    private static readonly TimeSpan Fastest = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Slowest = TimeSpan.FromMilliseconds(500);
    private readonly QueueClient queue = new(queueUri, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
    private TimeSpan interval = Fastest;

    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (await DrainAsync(ct))
            {
                interval = Fastest;
                return true;
            }
            await Task.Delay(interval, ct);
            interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, Slowest.Ticks));
        }
        return false;
    }

    /// <summary>Takes every waiting signal at once: one plan fetch answers them all.</summary>
    private async Task<bool> DrainAsync(CancellationToken ct)
    {
        try
        {
            var messages = (await queue.ReceiveMessagesAsync(maxMessages: 32, cancellationToken: ct)).Value;
            foreach (var message in messages)
            {
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
            }
            return messages.Length > 0;
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException or HttpRequestException)
        {
            // Queue unreachable or SAS expired: polling the plan keeps the agent converging.
            return false;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
