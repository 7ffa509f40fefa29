using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent;

/// <summary>Raised when the control plane refuses the host's credential: retrying cannot help.</summary>
public sealed class CredentialRefusedException(string message) : Exception(message);

/// <summary>The operator kept another machine that used this host's credential: this one registers as a new host.</summary>
public sealed class RegisterAnewException(string message) : Exception(message);

/// <summary>The agent's side of the agent API, with retries for transient failures.</summary>
public sealed class ControlPlaneClient : IDisposable
{
    /// <summary>One attempt of a request waits this long for the control plane's answer.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient http;
    private readonly ResiliencePipeline<HttpResponseMessage> retry;

    public ControlPlaneClient(string baseUrl, ILogger<ControlPlaneClient> log)
    {
        http = new HttpClient { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"), Timeout = RequestTimeout };
        retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 4,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TaskCanceledException>()
                    .HandleResult(r => (int)r.StatusCode >= 500 || r.StatusCode == HttpStatusCode.TooManyRequests),
                // A retried request is otherwise silent: an agent that waits minutes on the control plane must say so.
                OnRetry = args =>
                {
                    log.LogWarning("Control plane request {Attempt} failed ({Cause}), retrying in {Delay:0.0} s",
                        args.AttemptNumber + 1, Cause(args.Outcome), args.RetryDelay.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public string? Credential { get; set; }

    public async Task<RegistrationResponse> RegisterAsync(RegistrationRequest request, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, AgentRoutes.Register) { Content = JsonContent.Create(request, AgentJson.Default.RegistrationRequest) }, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new CredentialRefusedException($"Registration refused ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync(ct)}");
        }
        return (await response.Content.ReadFromJsonAsync(AgentJson.Default.RegistrationResponse, ct))!;
    }

    /// <summary>The newest plan, or null when it has not changed since <paramref name="etag"/>.</summary>
    public async Task<(HostPlan? Plan, string? ETag)> PlanAsync(string? etag, CancellationToken ct)
    {
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, AgentRoutes.Plan);
            if (etag is not null)
            {
                request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
            }
            return request;
        }, ct);
        if (response.StatusCode is HttpStatusCode.NotModified or HttpStatusCode.NoContent)
        {
            return (null, etag);
        }
        await EnsureAcceptedAsync(response, ct);
        var plan = await response.Content.ReadFromJsonAsync(AgentJson.Default.HostPlan, ct);
        return (plan, response.Headers.ETag?.ToString());
    }

    public async Task ReportAsync(HostReport report, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, AgentRoutes.Report) { Content = JsonContent.Create(report, AgentJson.Default.HostReport) }, ct);
        await EnsureAcceptedAsync(response, ct);
    }

    public async Task<HeartbeatResponse> HeartbeatAsync(Heartbeat heartbeat, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, AgentRoutes.Heartbeat) { Content = JsonContent.Create(heartbeat, AgentJson.Default.Heartbeat) }, ct);
        await EnsureAcceptedAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync(AgentJson.Default.HeartbeatResponse, ct))!;
    }

    /// <summary>The host's volume tasks to do.</summary>
    public async Task<List<VolumeTask>> TasksAsync(CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, AgentRoutes.Tasks), ct);
        await EnsureAcceptedAsync(response, ct);
        return await response.Content.ReadFromJsonAsync(AgentJson.Default.ListVolumeTask, ct) ?? [];
    }

    public async Task TaskProgressAsync(string taskId, VolumeTaskProgress progress, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"{AgentRoutes.Tasks}/{Uri.EscapeDataString(taskId)}/progress") { Content = JsonContent.Create(progress, AgentJson.Default.VolumeTaskProgress) }, ct);
        await EnsureAcceptedAsync(response, ct);
    }

    public async Task TaskResultAsync(string taskId, VolumeTaskResult result, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"{AgentRoutes.Tasks}/{Uri.EscapeDataString(taskId)}/result") { Content = JsonContent.Create(result, AgentJson.Default.VolumeTaskResult) }, ct);
        await EnsureAcceptedAsync(response, ct);
    }

    /// <summary>A certificate file (certificate, chain, key in PEM) that a balancer planned on this host loads.</summary>
    public async Task<string> CertificateAsync(string fileName, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"{AgentRoutes.Certificates}/{Uri.EscapeDataString(fileName)}"), ct);
        await EnsureAcceptedAsync(response, ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, CancellationToken ct) =>
        await retry.ExecuteAsync(async token =>
        {
            using var request = create();
            if (Credential is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Credential);
            }
            return await http.SendAsync(request, token);
        }, ct);

    private static string Cause(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        TaskCanceledException => $"no answer within {RequestTimeout.TotalSeconds:0} s",
        { } e => e.Message,
        null => $"{(int)outcome.Result!.StatusCode}",
    };

    private static async Task EnsureAcceptedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new CredentialRefusedException("The control plane refused this host's credential; the host may have been removed.");
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}", null, response.StatusCode);
        }
    }

    public void Dispose() => http.Dispose();
}
