using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Signals;

/// <summary>Picks the signal transport the control plane named.</summary>
public static class SignalSources
{
    public static ISignalSource For(SignalChannel channel) => channel.Kind switch
    {
        SignalChannel.StorageQueueKind when channel.QueueUri is { } uri => new StorageQueueSignalSource(new Uri(uri)),
        SignalChannel.ServiceBusKind when channel is { Namespace: not null, QueueName: not null, SessionId: not null, SasToken: not null }
            => new ServiceBusSignalSource(channel),
        _ => new PollingOnly(),
    };

    /// <summary>An unknown or incomplete channel: the agent still converges by polling.</summary>
    private sealed class PollingOnly : ISignalSource
    {
        public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
        {
            await Task.Delay(timeout, ct);
            return false;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
