using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.ControlPlane.Signals;

/// <summary>Addresses one host of one environment of one tenant.</summary>
public sealed record HostAddress(string TenantId, string EnvironmentId, string HostId);

/// <summary>
/// Tells agents that a newer plan is ready. Signals are hints: a lost or duplicated one only
/// delays convergence, because agents also poll. Azure Service Bus in production, Storage
/// Queues locally; both behind this interface.
/// </summary>
public interface IAgentSignals
{
    /// <summary>Creates whatever the host's channel needs (queue, session queue). Idempotent.</summary>
    Task PrepareAsync(HostAddress host, CancellationToken ct);

    Task SendAsync(HostAddress host, PlanReady signal, CancellationToken ct);

    /// <summary>Where and with what short-lived, receive-only credential the host's agent listens.</summary>
    SignalChannel ChannelFor(HostAddress host);
}
