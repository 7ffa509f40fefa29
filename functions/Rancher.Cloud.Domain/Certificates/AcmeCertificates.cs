using System.Security.Cryptography;
using System.Text;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Certificates;

/// <summary>
/// Certificates the control plane orders from an ACME directory for balancer rules that ask for
/// one: one per hostname, stored like an upload under a name of its own, ordered when missing
/// and renewed <see cref="RenewBefore"/> its expiry; a failed order waits longer each time.
/// </summary>
public static class AcmeCertificates
{
    /// <summary>Names starting so are the control plane's own; uploads may not take them.</summary>
    public const string NamePrefix = "acme-";

    /// <summary>Let's Encrypt's advice: renew a third of the way before a 90-day certificate ends.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    /// <summary>The wait after the first failed order; it doubles with each failure after it.</summary>
    public static readonly TimeSpan FirstRetry = TimeSpan.FromMinutes(5);

    /// <summary>The longest wait between orders, well inside an ACME directory's failed-validation limits.</summary>
    public static readonly TimeSpan LongestRetry = TimeSpan.FromHours(12);

    /// <summary>
    /// The certificate's name for <paramref name="hostname"/>: readable, and distinct for hostnames
    /// that read alike once dots are dashes (<c>a-b.c</c>, <c>a.b-c</c>).
    /// </summary>
    public static string NameFor(string hostname)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(hostname.ToLowerInvariant())))[..8];
        var readable = hostname.ToLowerInvariant().Replace('.', '-');
        var room = 63 - NamePrefix.Length - 1 - hash.Length;
        readable = readable.Length > room ? readable[..room].TrimEnd('-') : readable;
        return $"{NamePrefix}{readable}-{hash}";
    }

    public static bool IsReserved(string name) => name.StartsWith(NamePrefix, StringComparison.Ordinal);

    /// <summary>The hostnames an environment's balancers want certificates for, each once, in order.</summary>
    public static IReadOnlyList<string> Wanted(IEnumerable<ServiceSpec> services) =>
        services.SelectMany(s => s.Balancer?.Rules ?? [])
            .Where(r => r.Acme && r.Hostname is not null)
            .Select(r => r.Hostname!.ToLowerInvariant())
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// Whether a certificate for a hostname is to be ordered now: none is stored, or it ends within
    /// <see cref="RenewBefore"/> (a third of its life, for one that lives under 90 days), and no
    /// earlier failure asks to wait.
    /// </summary>
    public static bool IsDue(DateTimeOffset? notBefore, DateTimeOffset? notAfter, DateTimeOffset? retryAt, DateTimeOffset now)
    {
        var window = notBefore is { } from && notAfter is { } to && (to - from) / 3 < RenewBefore ? (to - from) / 3 : RenewBefore;
        return (notAfter is null || notAfter.Value - now <= window) && (retryAt is null || retryAt <= now);
    }

    /// <summary>When to try again after <paramref name="failures"/> failed orders in a row.</summary>
    public static DateTimeOffset RetryAt(int failures, DateTimeOffset now)
    {
        var wait = FirstRetry * Math.Pow(2, Math.Clamp(failures - 1, 0, 16));
        return now + (wait < LongestRetry ? wait : LongestRetry);
    }

    /// <summary>An ACME challenge token or key authorization: base64url, and a dot between the two halves of the latter.</summary>
    public static bool IsChallengeText(string text) =>
        text.Length is > 0 and <= 512 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
