namespace Rancher.Cloud.Agent.Signals;

/// <summary>
/// Wakes the agent when the control plane says a newer plan is ready. A signal is only a hint:
/// the agent fetches the plan itself, and polls anyway, so a lost signal only delays it.
/// </summary>
public interface ISignalSource : IAsyncDisposable
{
    /// <summary>True when a signal arrived within <paramref name="timeout"/>; false when it did not.</summary>
    Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct);
}
