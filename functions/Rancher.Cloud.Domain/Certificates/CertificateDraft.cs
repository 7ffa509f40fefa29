using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Certificates;

/// <summary>A certificate as uploaded: PEM certificate, its private key, and the chain up to (not including) a root.</summary>
public sealed record CertificateDraft
{
    /// <summary>A PEM text is a few KiB; a chain of ten is more than any CA sends.</summary>
    public const int MaxPemLength = 64 * 1024;

    [Contracts.Limit(63)]
    public string? Name { get; init; }

    [Contracts.Limit(MaxPemLength)]
    public string? Certificate { get; init; }

    [Contracts.Limit(MaxPemLength)]
    public string? Key { get; init; }

    [Contracts.Limit(MaxPemLength)]
    public string? Chain { get; init; }

    /// <summary>
    /// The certificate, checked: PEM that parses, a key that matches the certificate's public key,
    /// a chain of certificates only, and not expired at <paramref name="now"/>. Null with every
    /// refused field named.
    /// </summary>
    public static CertificateBundle? Check(CertificateDraft draft, DateTimeOffset now, FieldErrors errors)
    {
        var name = ResourceName.Check(draft.Name, "name", errors);
        var leaf = Leaf(draft.Certificate, errors);
        var chain = ChainOf(draft.Chain, errors);
        var key = draft.Key is { Length: > 0 } keyPem ? keyPem.Trim() + "\n" : null;
        if (key is null)
        {
            errors.Add("key", "is required: the certificate's private key in PEM");
        }
        if (leaf is null || key is null || name is null)
        {
            return null;
        }
        using (leaf)
        {
            if (KeyMatches(leaf, key) is { } problem)
            {
                errors.Add("key", problem);
                return null;
            }
            if (leaf.NotAfter.ToUniversalTime() <= now.UtcDateTime)
            {
                errors.Add("certificate", $"expired on {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC");
                return null;
            }
            var names = SubjectAlternativeNames(leaf);
            return new CertificateBundle(
                name,
                draft.Certificate!.Trim() + "\n" + string.Concat(chain.Select(c => c.Trim() + "\n")),
                key,
                leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false),
                names,
                leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: true),
                new DateTimeOffset(leaf.NotBefore.ToUniversalTime()),
                new DateTimeOffset(leaf.NotAfter.ToUniversalTime()),
                Convert.ToHexStringLower(SHA256.HashData(leaf.RawData)));
        }
    }

    private static X509Certificate2? Leaf(string? pem, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            errors.Add("certificate", "is required: the certificate in PEM (-----BEGIN CERTIFICATE-----)");
            return null;
        }
        if (Blocks(pem, "CERTIFICATE") != 1)
        {
            errors.Add("certificate", "must hold exactly one PEM certificate; put intermediates in chain");
            return null;
        }
        try
        {
            return X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException e)
        {
            errors.Add("certificate", $"is not a PEM certificate: {e.Message}");
            return null;
        }
    }

    private static List<string> ChainOf(string? pem, FieldErrors errors)
    {
        var chain = new List<string>();
        if (string.IsNullOrWhiteSpace(pem))
        {
            return chain;
        }
        try
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPem(pem);
            if (collection.Count is 0 or > 10 || Blocks(pem, "CERTIFICATE") != collection.Count || pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
            {
                errors.Add("chain", "must be 1 to 10 PEM certificates and nothing else");
            }
            else
            {
                chain.Add(pem);
            }
            foreach (var certificate in collection)
            {
                certificate.Dispose();
            }
        }
        catch (CryptographicException e)
        {
            errors.Add("chain", $"is not PEM certificates: {e.Message}");
        }
        return chain;
    }

    /// <summary>Null when the private key is the certificate's; otherwise why not.</summary>
    private static string? KeyMatches(X509Certificate2 leaf, string keyPem)
    {
        var expected = leaf.PublicKey.ExportSubjectPublicKeyInfo();
        AsymmetricAlgorithm? key = null;
        try
        {
            key = leaf.PublicKey.Oid.Value switch
            {
                "1.2.840.113549.1.1.1" => RSA.Create(),
                "1.2.840.10045.2.1" => ECDsa.Create(),
                _ => null,
            };
            if (key is null)
            {
                return "only RSA and ECDSA certificates are supported";
            }
            key.ImportFromPem(keyPem);
            return key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(expected) ? null : "does not match the certificate's public key";
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return $"is not a PEM private key of the certificate's kind: {e.Message}";
        }
        finally
        {
            key?.Dispose();
        }
    }

    private static List<string> SubjectAlternativeNames(X509Certificate2 leaf) =>
        leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateDnsNames().Concat(e.EnumerateIPAddresses().Select(a => a.ToString())))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();

    private static int Blocks(string pem, string label)
    {
        var count = 0;
        for (var at = pem.IndexOf($"-----BEGIN {label}-----", StringComparison.Ordinal); at >= 0; at = pem.IndexOf($"-----BEGIN {label}-----", at + 1, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }
}
