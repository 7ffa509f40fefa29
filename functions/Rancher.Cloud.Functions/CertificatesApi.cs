using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Certificates;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.Domain.Certificates;

namespace Rancher.Cloud.Functions;

/// <summary>
/// An environment's TLS certificates, which balancers offer by SNI. Keys go in and never come out.
/// POST   v1/environments/{envId}/certificates
/// GET    v1/environments/{envId}/certificates
/// GET    v1/environments/{envId}/certificates/{name}
/// DELETE v1/environments/{envId}/certificates/{name}
/// GET    v1/agent/certificates/{file}   (agents: a file their host's balancers load)
/// </summary>
public sealed class CertificatesApi(CertificatesService certificates)
{
    private const string Collection = "api/v1/environments/{envId}/certificates";
    private const string Item = "api/v1/environments/{envId}/certificates/{name}";

    [Function(nameof(UploadCertificate))]
    [Access(Audience.Tenant)]
    [Operation("Upload a PEM certificate, its key and chain; the key is stored encrypted and never returned", Body = typeof(CertificateDraft), Response = typeof(CertificateView), Status = 201)]
    public async Task<IResult> UploadCertificate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Collection)] HttpRequest req, string envId, CancellationToken ct) =>
        await ApiResults.CreatedAsync(req, (CertificateDraft b) => certificates.CreateAsync(req.Tenant(), envId, b, ct), ct);

    [Function(nameof(ListCertificates))]
    [Access(Audience.Tenant)]
    [Operation("List certificates: names, CN, SANs, issuer, validity", Response = typeof(Page<CertificateView>), Paged = true)]
    public async Task<IResult> ListCertificates(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Collection)] HttpRequest req, string envId, CancellationToken ct) =>
        ApiResults.Page(await certificates.ListAsync(req.Tenant(), envId, ct), req);

    [Function(nameof(GetCertificate))]
    [Access(Audience.Tenant)]
    [Operation("Read a certificate (never its key)", Response = typeof(CertificateView))]
    public async Task<IResult> GetCertificate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Item)] HttpRequest req, string envId, string name, CancellationToken ct) =>
        ApiResults.Ok(await certificates.GetAsync(req.Tenant(), envId, name, ct));

    [Function(nameof(DeleteCertificate))]
    [Access(Audience.Tenant)]
    [Operation("Delete a certificate no balancer names", Status = 204)]
    public async Task<IResult> DeleteCertificate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Item)] HttpRequest req, string envId, string name, CancellationToken ct) =>
        ApiResults.From(await certificates.DeleteAsync(req.Tenant(), envId, name, ct), _ => Results.NoContent());

    [Function(nameof(GetHostCertificate))]
    [Access(Audience.Agent)]
    [Operation("A certificate file (certificate, chain, key in PEM) that a balancer on the calling host loads", Response = typeof(string))]
    public async Task<IResult> GetHostCertificate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/agent/certificates/{file}")] HttpRequest req, string file, CancellationToken ct)
    {
        var pem = await certificates.ForHostAsync(req.Host(), file, ct);
        return ApiResults.From(pem, text => Results.Text(text, "application/x-pem-file"));
    }
}
