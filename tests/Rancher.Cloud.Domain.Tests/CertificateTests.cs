using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rancher.Cloud.Domain.Balancing;
using Rancher.Cloud.Domain.Certificates;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>Uploaded certificates: parsed and shown, refused by field when the key, the PEM or the dates are wrong.</summary>
public sealed class CertificateTests
{
    private static readonly DateTimeOffset Now = Given.Now;

    private static (string Certificate, string Key, X509Certificate2 Issuer) Issued(string host, AsymmetricAlgorithm key, DateTimeOffset notAfter, X509Certificate2? issuer = null)
    {
        var request = key switch
        {
            RSA rsa => new CertificateRequest($"CN={host}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ec => new CertificateRequest($"CN={host}", ec, HashAlgorithmName.SHA256),
            _ => throw new ArgumentException("RSA or ECDSA", nameof(key)),
        };
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        names.AddDnsName("www." + host);
        request.CertificateExtensions.Add(names.Build());
        var certificate = issuer is null
            ? request.CreateSelfSigned(notAfter.AddDays(-90), notAfter)
            : request.Create(issuer, notAfter.AddDays(-90), notAfter, [1, 2, 3, 4]);
        var keyPem = key switch { RSA rsa => rsa.ExportPkcs8PrivateKeyPem(), ECDsa ec => ec.ExportPkcs8PrivateKeyPem(), _ => "" };
        return (certificate.ExportCertificatePem(), keyPem, certificate);
    }

    private static (CertificateBundle? Bundle, IReadOnlyDictionary<string, string[]> Errors) Check(CertificateDraft draft)
    {
        var errors = new FieldErrors();
        return (CertificateDraft.Check(draft, Now, errors), errors.ToDictionary());
    }

    [Fact]
    public void An_rsa_or_ecdsa_certificate_with_its_key_and_chain_is_parsed_and_shown()
    {
        using var caKey = RSA.Create(2048);
        var ca = new CertificateRequest("CN=Test Issuer", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        ca.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var issuer = ca.CreateSelfSigned(Now.AddDays(-100), Now.AddDays(400));
        using var rsa = RSA.Create(2048);
        var (certificate, key, _) = Issued("shop.example.com", rsa, Now.AddDays(90), issuer);

        var (bundle, errors) = Check(new CertificateDraft { Name = "shop", Certificate = certificate, Key = key, Chain = issuer.ExportCertificatePem() });

        Assert.Empty(errors);
        Assert.Equal("shop.example.com", bundle!.CommonName);
        Assert.Equal(["shop.example.com", "www.shop.example.com"], bundle.SubjectAlternativeNames);
        Assert.Equal("Test Issuer", bundle.Issuer);
        Assert.Equal(Now.AddDays(90).ToUnixTimeSeconds(), bundle.NotAfter.ToUnixTimeSeconds());
        Assert.Equal(2, bundle.Pem.Split("BEGIN CERTIFICATE").Length - 1); // the certificate, then its chain
        Assert.DoesNotContain("PRIVATE KEY", bundle.Pem, StringComparison.Ordinal);
        Assert.StartsWith($"shop-{bundle.Version[..16]}", bundle.FileName, StringComparison.Ordinal);
        Assert.Contains("BEGIN PRIVATE KEY", bundle.KeyPem, StringComparison.Ordinal);

        // A key pasted after the certificate (as HAProxy's own files have it) is refused there: it would be stored in clear.
        Assert.Contains("holds a private key", Check(new CertificateDraft { Name = "shop", Certificate = certificate + key, Key = key }).Errors["certificate"][0], StringComparison.Ordinal);

        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (ecCertificate, ecKey, _) = Issued("api.example.com", ec, Now.AddDays(30));
        Assert.Empty(Check(new CertificateDraft { Name = "api", Certificate = ecCertificate, Key = ecKey }).Errors);
    }

    [Fact]
    public void A_key_of_another_certificate_an_expired_one_and_bad_pem_are_refused_by_field()
    {
        using var one = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);
        var (certificate, _, _) = Issued("shop.example.com", one, Now.AddDays(30));
        var (_, otherKey, _) = Issued("other.example.com", other, Now.AddDays(30));
        var (_, rsaKey, _) = Issued("rsa.example.com", rsa, Now.AddDays(30));
        var (expired, expiredKey, _) = Issued("old.example.com", one, Now.AddDays(-1));

        Assert.Contains("does not match", Check(new CertificateDraft { Name = "a", Certificate = certificate, Key = otherKey }).Errors["key"][0], StringComparison.Ordinal);
        Assert.Contains("key", Check(new CertificateDraft { Name = "a", Certificate = certificate, Key = rsaKey }).Errors.Keys);
        // The certificate's own public key matches it, but is no private key.
        var publicKey = one.ExportSubjectPublicKeyInfoPem();
        Assert.Contains("key", Check(new CertificateDraft { Name = "a", Certificate = certificate, Key = publicKey }).Errors.Keys);
        Assert.Contains("expired on", Check(new CertificateDraft { Name = "a", Certificate = expired, Key = expiredKey }).Errors["certificate"][0], StringComparison.Ordinal);
        Assert.Contains("certificate", Check(new CertificateDraft { Name = "a", Certificate = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----", Key = otherKey }).Errors.Keys);
        Assert.Contains("exactly one", Check(new CertificateDraft { Name = "a", Certificate = certificate + certificate, Key = otherKey }).Errors["certificate"][0], StringComparison.Ordinal);
        Assert.Contains("chain", Check(new CertificateDraft { Name = "a", Certificate = certificate, Key = otherKey, Chain = otherKey }).Errors.Keys);
        Assert.Equal(["certificate", "key", "name"], Check(new CertificateDraft { Name = "Not A Name" }).Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_balancer_names_only_certificates_that_exist_and_plans_the_default_first()
    {
        var spec = ServiceSpec.From(new ServiceDraft
        {
            Name = "lb",
            LoadBalancer = new BalancerDraft
            {
                PortRules = [new PortRuleDraft { SourcePort = 443, Protocol = "https", Service = "web", TargetPort = 80 }],
                DefaultCertificate = "main",
                Certificates = ["other", "missing"],
            },
        }).Value.Spec;
        var web = Given.Spec("web");

        var errors = BalancerTargets.Check(spec, [web, spec], ["main", "other"]).ToDictionary();
        Assert.Equal(["loadBalancer.certificates[1]"], errors.Keys);

        var services = new Dictionary<string, Service> { ["w"] = new("w", web, 1, Now), ["l"] = new("l", spec, 1, Now) };
        var plan = BalancerPlan.Of(spec, services.Values.ToDictionary(s => s.Spec.QualifiedName), Array.Empty<Instance>().ToLookup(i => i.ServiceId),
            new Dictionary<string, string> { ["other"] = new string('b', 64), ["main"] = new string('a', 64) });
        Assert.Equal(["main-aaaaaaaaaaaaaaaa.pem", "other-bbbbbbbbbbbbbbbb.pem"], plan.Certificates);
    }
}
