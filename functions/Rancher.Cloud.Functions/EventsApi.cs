using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Events;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Functions;

/// <summary>
/// An environment's event stream, newest first (<c>?type=&amp;since=&amp;limit=&amp;cursor=</c>), and the
/// daily timer that keeps it to 30 days.
/// GET v1/environments/{envId}/events
/// </summary>
public sealed class EventsApi(EventsService events, EnvironmentsService environments, ILogger<EventsApi> log)
{
    [Function(nameof(ReadEvents))]
    [Access(Audience.Tenant)]
    [Operation("Read an environment's events, newest first: by type (or kind, 'service.') and from a time", Response = typeof(EventPage), Paged = true)]
    public async Task<IResult> ReadEvents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/v1/environments/{envId}/events")] HttpRequest req, string envId, CancellationToken ct)
    {
        DateTimeOffset? since = null;
        if (req.Query["since"].ToString() is { Length: > 0 } text)
        {
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return ApiResults.Problem(Failure.Invalid("since", "is a time such as 2026-12-01T10:00:00Z"));
            }
            since = parsed;
        }
        var type = req.Query["type"].ToString() is { Length: > 0 } t ? t : null;
        return ApiResults.Ok(await events.ReadAsync(req.Tenant(), envId, type, since, ApiQuery.Limit(req), ApiQuery.Cursor(req), ct));
    }

    [Function(nameof(PruneEvents))]
    public async Task PruneEvents([TimerTrigger("0 40 3 * * *")] TimerInfo timer, CancellationToken ct)
    {
        var pruned = 0;
        await foreach (var (tenantId, environmentId) in environments.AllAsync(ct))
        {
            pruned += await events.PruneAsync(tenantId, environmentId, ct);
        }
        log.LogInformation("Pruned {Count} events older than 30 days", pruned);
    }
}
