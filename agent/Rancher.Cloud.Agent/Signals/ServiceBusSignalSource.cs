using Azure;
using Azure.Messaging.ServiceBus;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Signals;

/// <summary>
/// Listens on the environment's Service Bus queue, in the session keyed by this host's id,
/// with the listen-only SAS token the control plane handed out.
/// </summary>
public sealed class ServiceBusSignalSource(SignalChannel channel) : ISignalSource
{
    private readonly ServiceBusClient client = new(channel.Namespace, new AzureSasCredential(channel.SasToken!));
    private ServiceBusSessionReceiver? receiver;

    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            receiver ??= await client.AcceptSessionAsync(channel.QueueName, channel.SessionId, cancellationToken: ct);
            var messages = await receiver.ReceiveMessagesAsync(maxMessages: 32, maxWaitTime: timeout, cancellationToken: ct);
            foreach (var message in messages)
            {
                await receiver.CompleteMessageAsync(message, ct);
            }
            return messages.Count > 0;
        }
        catch (ServiceBusException)
        {
            // Session lost or namespace unreachable: start over next time; polling covers the gap.
            if (receiver is not null)
            {
                await receiver.DisposeAsync();
                receiver = null;
            }
            await Task.Delay(timeout, ct);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (receiver is not null)
        {
            await receiver.DisposeAsync();
        }
        await client.DisposeAsync();
    }
}
