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
        foreach (var (field, text) in new[] { ("certificate", draft.Certificate), ("key", draft.Key), ("chain", draft.Chain) })
        {
            if (text is { Length: > MaxPemLength })
            {
                errors.Add(field, $"must be at most {MaxPemLength / 1024} KiB of PEM");
                return null;
            }
        }
        var leaf = Leaf(draft.Certificate, errors);
        var chain = ChainOf(draft.Chain, errors);
        if (draft.Key is not { Length: > 0 } keyPem || !keyPem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            errors.Add("key", "is required: the certificate's private key in PEM (-----BEGIN PRIVATE KEY-----)");
            leaf?.Dispose();
            return null;
        }
        if (leaf is null || name is null)
        {
            leaf?.Dispose();
            return null;
        }
        using (leaf)
        {
            // What is stored and served is rebuilt from what was parsed: no stray text or blocks (a key pasted with the certificate) rides along.
            var key = PrivateKeyOf(leaf, keyPem, out var problem);
            if (key is null)
            {
                errors.Add("key", problem!);
                return null;
            }
            if (leaf.NotAfter.ToUniversalTime() <= now.UtcDateTime)
            {
                errors.Add("certificate", $"expired on {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC");
                return null;
            }
            if (leaf.NotBefore.Year < 1970 || leaf.NotAfter.Year > 9000)
            {
                errors.Add("certificate", "has validity dates outside 1970 to 9000");
                return null;
            }
            List<string> names;
            try
            {
                names = SubjectAlternativeNames(leaf);
            }
            catch (CryptographicException e)
            {
                errors.Add("certificate", $"has a subject alternative name that does not parse: {e.Message}");
                return null;
            }
            return new CertificateBundle(
                name,
                leaf.ExportCertificatePem() + "\n" + string.Concat(chain.Select(c => c + "\n")),
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
        if (pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            errors.Add("certificate", "holds a private key: put the key in key, where it is stored encrypted");
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
                chain.AddRange(collection.Select(c => c.ExportCertificatePem()));
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

    /// <summary>The private key, exported again as PKCS#8 PEM, when it is the certificate's; otherwise null and why not.</summary>
    private static string? PrivateKeyOf(X509Certificate2 leaf, string keyPem, out string? problem)
    {
        var expected = leaf.PublicKey.ExportSubjectPublicKeyInfo();
        AsymmetricAlgorithm? key = null;
        problem = null;
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
                problem = "only RSA and ECDSA certificates are supported";
                return null;
            }
            key.ImportFromPem(keyPem);
            if (!key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(expected))
            {
                problem = "does not match the certificate's public key";
                return null;
            }
            // A public key imports too, and would match: only a private key exports as one.
            return key.ExportPkcs8PrivateKeyPem() + "\n";
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            problem = $"is not a PEM private key of the certificate's kind: {e.Message}";
            return null;
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
