namespace Rancher.Cloud.Domain.Reconcile;

/// <summary>An instance its agent reports as failing its health check, and since when.</summary>
public sealed record UnhealthyInstance(string InstanceId, string HostId, DateTimeOffset Since);

/// <summary>
/// A service's recent health replacements: how many in a row, the last one, and the hosts they
/// failed on. Replacements back off (10 s, 20 s, 40 s … 5 min) so a broken image does not churn
/// the fleet, and new instances avoid the failing hosts while any other host fits. A service
/// quiet for <see cref="Forgiven"/> starts afresh.
/// </summary>
public sealed record ReplacementHistory(int Count, DateTimeOffset LastAt, IReadOnlyList<string> FailedHosts)
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan Forgiven = TimeSpan.FromMinutes(10);
    public const int RememberedHosts = 5;

    public static ReplacementHistory None { get; } = new(0, DateTimeOffset.MinValue, []);

    /// <summary>The history as it stands at <paramref name="now"/>: forgotten once the service has been quiet long enough.</summary>
    public ReplacementHistory At(DateTimeOffset now) => Count > 0 && now - LastAt >= Forgiven ? None : this;

    /// <summary>The earliest time the next replacement may happen.</summary>
    public DateTimeOffset NextAllowed => Count == 0
        ? DateTimeOffset.MinValue
        : LastAt + TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks << Math.Min(Count - 1, 20)));

    public ReplacementHistory After(string failedHost, DateTimeOffset now) => new(
        Count + 1,
        now,
        FailedHosts.Where(h => h != failedHost).Append(failedHost).TakeLast(RememberedHosts).ToList());
}
