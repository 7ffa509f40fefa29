namespace Rancher.Cloud.Domain.Certificates;

/// <summary>
/// A checked certificate: what HAProxy loads (<see cref="Pem"/>: certificate and chain; the key
/// kept apart, stored encrypted) and what the API shows of it.
/// </summary>
/// <param name="Name">How balancers name it.</param>
/// <param name="Pem">The certificate, then its chain.</param>
/// <param name="KeyPem">The private key: never returned, never in a plan.</param>
/// <param name="CommonName">The subject's CN.</param>
/// <param name="SubjectAlternativeNames">DNS names and addresses it is valid for.</param>
/// <param name="Issuer">The issuer's CN.</param>
/// <param name="NotBefore">Valid from.</param>
/// <param name="NotAfter">Valid until.</param>
/// <param name="Fingerprint">SHA-256 of the certificate, hex: a new certificate under the same name is a new file on the hosts.</param>
public sealed record CertificateBundle(
    string Name,
    string Pem,
    string KeyPem,
    string CommonName,
    IReadOnlyList<string> SubjectAlternativeNames,
    string Issuer,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string Fingerprint)
{
    /// <summary>
    /// A hash of everything a balancer loads (certificate, chain and key): a renewal, a new chain or
    /// a re-upload under the same name is a new file on the hosts, never a stale one kept.
    /// </summary>
    public string Version => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Pem + KeyPem)));

    /// <summary>The file a balancer loads it from: the name and the version.</summary>
    public string FileName => FileNameOf(Name, Version);

    public static string FileNameOf(string name, string version) => $"{name}-{version[..16]}.pem";
}
