using System.Collections.Concurrent;
using Rancher.Cloud.ControlPlane.Signals;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Benchmarks;

/// <summary>Wraps the real signal transport and notes when each host's plan version was signalled.</summary>
public sealed class TimedSignals(IAgentSignals inner, TimeProvider clock) : IAgentSignals
{
    private readonly ConcurrentDictionary<(string Host, long Version), DateTimeOffset> sent = new();

    public DateTimeOffset SentAt(string hostId, long version) => sent[(hostId, version)];

    public IReadOnlyDictionary<(string Host, long Version), DateTimeOffset> Sent => sent;

    public Task PrepareAsync(HostAddress host, CancellationToken ct) => inner.PrepareAsync(host, ct);

    public async Task SendAsync(HostAddress host, PlanReady signal, CancellationToken ct)
    {
        sent.TryAdd((signal.HostId, signal.PlanVersion), clock.GetUtcNow());
        await inner.SendAsync(host, signal, ct);
    }

    public SignalChannel ChannelFor(HostAddress host) => inner.ChannelFor(host);
}
