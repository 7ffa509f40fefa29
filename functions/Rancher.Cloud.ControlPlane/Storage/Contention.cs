using Azure;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.ControlPlane.Storage;

/// <summary>
/// Read-check-write under an ETag, retried when the platform's own writes (a heartbeat, a
/// reconcile step) moved the row between the read and the write. Each attempt reads afresh and
/// checks the caller's If-Match again, so a client sees 412 only when another client changed
/// what it asked about, and never a conflict with the platform itself.
/// </summary>
public static class Contention
{
    /// <summary>
    /// Each round under one guard row lets one writer through, so N writers at once need up to N
    /// attempts (a tenant's console creating a dozen environments at once must not see a 409).
    /// </summary>
    private const int Attempts = 16;

    /// <summary>The longest pause between attempts: later retries spread out, but never stall a request.</summary>
    private const int MaxDelayMs = 250;

    public static async Task<Outcome<T>> RetryAsync<T>(Func<Task<Outcome<T>>> attempt, string what, CancellationToken ct)
    {
        for (var tried = 1; ; tried++)
        {
            try
            {
                return await attempt();
            }
            // 412: the row moved after the read; 404: it was deleted after the read, and reading again answers that.
            catch (RequestFailedException e) when (e.Status is 412 or 404 && tried < Attempts)
            {
                // Spread the retries of several writers apart.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, Math.Min(25 * tried, MaxDelayMs))), ct);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                return Failure.Conflict($"{what} kept changing while this request ran; try again.");
            }
        }
    }
}
