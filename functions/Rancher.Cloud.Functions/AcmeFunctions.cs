using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Acme;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Http;

namespace Rancher.Cloud.Functions;

/// <summary>
/// Automatic certificates: an hourly timer asks every environment to order what is missing or
/// ends within 30 days; a queue trigger does one environment's orders; the API shows them.
/// GET v1/environments/{envId}/acme-orders
/// </summary>
public sealed class AcmeFunctions(EnvironmentsService environments, AcmeQueue queue, AcmeOrders orders, ILogger<AcmeFunctions> log)
{
    [Function(nameof(RenewCertificates))]
    public async Task RenewCertificates([TimerTrigger("0 17 * * * *")] TimerInfo timer, CancellationToken ct)
    {
        await foreach (var (tenantId, environmentId) in environments.AllAsync(ct))
        {
            await queue.EnqueueAsync(tenantId, environmentId, ct);
        }
    }

    [Function(nameof(OrderCertificates))]
    public async Task OrderCertificates([QueueTrigger(AcmeQueue.Name)] string message, CancellationToken ct)
    {
        if (AcmeQueue.Parse(message) is not { } request)
        {
            log.LogWarning("Ignored a malformed ACME order request");
            return;
        }
        await orders.RunAsync(request.TenantId, request.EnvironmentId, ct, request.Now);
    }

    [Function(nameof(ListAcmeOrders))]
    [Access(Audience.Tenant)]
    [Operation("Automatic certificates the environment's balancers ask for: each hostname's certificate, and why its last order failed", Response = typeof(Page<AcmeOrderView>), Paged = true)]
    public async Task<IResult> ListAcmeOrders(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/environments/{envId}/acme-orders")] HttpRequest req, string envId, CancellationToken ct) =>
        ApiResults.Page(await orders.ListAsync(req.Tenant(), envId, ct), req);
}
