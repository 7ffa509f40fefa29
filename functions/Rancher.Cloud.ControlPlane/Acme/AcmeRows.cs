using Azure.Data.Tables;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.ControlPlane.Acme;

/// <summary>
/// ACME rows in an environment's state partition: a challenge being proven
/// (<c>acmechallenge~&lt;token&gt;</c>), which balancers answer, and each hostname's order
/// (<c>acmeorder~&lt;hostname&gt;</c>): who holds it now, its failures and when to try again.
/// </summary>
public static class AcmeRows
{
    public const string ChallengePrefix = "acmechallenge~";

    public const string OrderPrefix = "acmeorder~";

    /// <summary>A challenge left by an order that died is dropped after this: longer than an order may run.</summary>
    public static readonly TimeSpan ChallengeLifetime = TimeSpan.FromMinutes(15);

    public static TableEntity Challenge(string partition, string hostname, string token, string keyAuthorization, DateTimeOffset now) =>
        new(partition, ChallengePrefix + token)
        {
            ["Hostname"] = hostname,
            ["KeyAuthorization"] = keyAuthorization,
            ["CreatedAt"] = now,
        };

    public static PlannedChallenge ToChallenge(TableEntity row) =>
        new(row.RowKey[ChallengePrefix.Length..], row.GetString("KeyAuthorization")) { Hostname = row.GetString("Hostname") };

    public static bool IsStale(TableEntity challenge, DateTimeOffset now) =>
        (challenge.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue) + ChallengeLifetime < now;

    /// <summary>An order as the API shows it.</summary>
    public static AcmeOrderView ToView(TableEntity row, string certificate, DateTimeOffset now) => new(
        row.RowKey[OrderPrefix.Length..],
        certificate,
        row.GetInt32("Failures") ?? 0,
        row.GetString("LastError"),
        row.GetDateTimeOffset("LastAttempt"),
        row.GetDateTimeOffset("RetryAt"))
    {
        Ordering = row.GetDateTimeOffset("LeaseUntil") > now,
    };
}

/// <summary>A hostname's automatic certificate order: the certificate it stores, and why it failed last, when it did.</summary>
public sealed record AcmeOrderView(string Hostname, string Certificate, int Failures, string? LastError, DateTimeOffset? LastAttempt, DateTimeOffset? RetryAt)
{
    /// <summary>An order is running now.</summary>
    public bool Ordering { get; init; }

    /// <summary>When the stored certificate ends; null before the first is issued.</summary>
    public DateTimeOffset? NotAfter { get; init; }
}
