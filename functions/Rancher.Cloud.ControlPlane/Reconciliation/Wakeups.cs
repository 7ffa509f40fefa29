using System.Collections.Concurrent;

namespace Rancher.Cloud.ControlPlane.Reconciliation;

/// <summary>
/// The delayed reconciles this process has queued, by environment: a settled pass that waits on
/// something falling due (a drain, a batch's healthy time, a deadline) queues one for then, and
/// passes that see the same wait do not queue it again. Best effort: a duplicate is harmless and
/// the periodic sweep covers a lost one.
/// </summary>
public sealed class Wakeups
{
    private readonly ConcurrentDictionary<(string Tenant, string Environment), DateTimeOffset> pending = new();

    /// <summary>Whether a wake at <paramref name="at"/> needs queueing: none is pending at or before it.</summary>
    public bool Claim(string tenantId, string environmentId, DateTimeOffset at, DateTimeOffset now)
    {
        var key = (tenantId, environmentId);
        while (true)
        {
            if (pending.TryGetValue(key, out var earlier))
            {
                if (earlier > now && earlier <= at)
                {
                    return false;
                }
                if (pending.TryUpdate(key, at, earlier))
                {
                    return true;
                }
            }
            else if (pending.TryAdd(key, at))
            {
                return true;
            }
        }
    }
}
