using Rancher.Cloud.Functions;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Rancher.Cloud.SelfHost;

/// <summary>
/// Runs a queue-triggered function as the Functions host would: poll with back-off up to
/// maxPollingInterval, delete a message once the function succeeds, let a failed one
/// reappear, and move it to "{queue}-poison" after maxDequeueCount attempts.
/// </summary>
public sealed class QueueTriggers(
    IServiceProvider services, QueueServiceClient queues, HostJson settings, FunctionEntry function, ILogger<QueueTriggers> log) : BackgroundService
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var name = ((QueueMessages)function.Trigger).QueueName;
        var queue = queues.GetQueueClient(name);
        var poison = queues.GetQueueClient($"{name}-poison");
        await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
        var delay = MinPollingInterval;
        var visibility = settings.VisibilityTimeout > TimeSpan.Zero ? settings.VisibilityTimeout : TimeSpan.FromSeconds(30);
        while (!stoppingToken.IsCancellationRequested)
        {
            QueueMessage[] messages;
            try
            {
                messages = (await queue.ReceiveMessagesAsync(settings.BatchSize, visibility, stoppingToken)).Value;
            }
            catch (Azure.RequestFailedException e)
            {
                log.LogWarning(e, "Polling queue {Queue} failed; retrying", name);
                messages = [];
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            if (messages.Length == 0)
            {
                if (!await Pause.ForAsync(delay, stoppingToken))
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, settings.MaxPollingInterval.Ticks));
                continue;
            }
            delay = MinPollingInterval;
            await Task.WhenAll(messages.Select(m => HandleAsync(queue, poison, m, stoppingToken)));
        }
    }

    private async Task HandleAsync(QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken ct)
    {
        if (message.DequeueCount > settings.MaxDequeueCount)
        {
            await poison.CreateIfNotExistsAsync(cancellationToken: ct);
            await poison.SendMessageAsync(message.Body, cancellationToken: ct);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
            log.LogWarning("Message {Id} moved to {Queue}-poison after {Count} attempts", message.MessageId, queue.Name, message.DequeueCount);
            return;
        }
        try
        {
            await using var scope = services.CreateAsyncScope();
            await FunctionInvoker.InvokeAsync(scope.ServiceProvider, function.Method, new(Message: message.Body.ToString()), ct);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogError(e, "Queue function {Function} failed on message {Id}; it will be retried", function.Name, message.MessageId);
        }
    }
}
