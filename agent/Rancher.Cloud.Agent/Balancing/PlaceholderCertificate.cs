using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rancher.Cloud.Agent.Balancing;

/// <summary>
/// What a TLS listener offers while it has no certificate of its own yet (an ACME order still
/// running): a self-signed one, made on the host, so HAProxy starts and the http listener that
/// answers the ACME challenge runs. No client trusts it, which is the truth.
/// </summary>
public static class PlaceholderCertificate
{
    /// <summary>Not a name the plan can give: those end in a dash and sixteen hex digits.</summary>
    public const string FileName = "placeholder.pem";

    public static string Pem(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Rancher.Cloud balancer (no certificate yet)", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        return certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n";
    }
}
