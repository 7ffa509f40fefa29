namespace Rancher.Cloud.SelfHost;

/// <summary>A delay that ends quietly when the host stops, instead of throwing out of a background service.</summary>
internal static class Pause
{
    /// <summary>False when <paramref name="stopping"/> fired before the delay ended.</summary>
    public static async Task<bool> ForAsync(TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, stopping);
            return true;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
    }
}
