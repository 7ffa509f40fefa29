using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rancher.Cloud.Agent.Signals;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent;

/// <summary>
/// The agent's life: register once, then forever fetch the plan (If-None-Match), converge
/// Docker to it, report, heartbeat, and wait for a signal or the poll interval.
/// </summary>
public sealed class AgentLoop(
    IOptions<AgentOptions> options,
    ControlPlaneClient controlPlane,
    HostFactsReader facts,
    ContainerReconciler reconciler,
    HealthMonitor health,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<AgentLoop> log) : BackgroundService
{
    /// <summary>Observations are re-sent at least this often even when nothing changed.</summary>
    private static readonly TimeSpan ReportRefresh = TimeSpan.FromMinutes(1);

    /// <summary>A channel whose credential expires sooner than this is replaced.</summary>
    private static readonly TimeSpan ChannelRenewal = TimeSpan.FromHours(1);

    private readonly AgentOptions settings = options.Value;
    private ISignalSource? signals;
    private SignalChannel? channel;
    private HostPlan? plan;
    private string? etag;
    private long applied;
    private string lastReport = "";
    private DateTimeOffset lastReportAt;
    private DateTimeOffset nextHeartbeat;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var identity = await IdentityAsync(stoppingToken);
            controlPlane.Credential = identity.Credential;
            log.LogInformation("Host {HostId} of environment {EnvironmentId}", identity.HostId, identity.EnvironmentId);
            var failures = 0;
            while (!stoppingToken.IsCancellationRequested)
            {
                failures = await CycleAsync(stoppingToken) ? 0 : failures + 1;
                if (failures > 0)
                {
                    // Docker or the control plane is down: retry at 1, 2, 4 … s, never faster.
                    await Task.Delay(Min(settings.PollInterval, TimeSpan.FromSeconds(Math.Pow(2, Math.Min(failures - 1, 6)))), stoppingToken);
                    continue;
                }
                var wait = Min(settings.PollInterval, nextHeartbeat - clock.GetUtcNow());
                if (signals is not null && wait > TimeSpan.Zero)
                {
                    await WaitAsync(signals, wait, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (CredentialRefusedException e)
        {
            log.LogCritical("{Reason}", e.Message);
            Environment.ExitCode = 2;
            lifetime.StopApplication();
        }
        finally
        {
            if (signals is not null)
            {
                await signals.DisposeAsync();
            }
        }
    }

    /// <summary>Until a plan signal arrives, an instance's health changes, or <paramref name="wait"/> passes.</summary>
    private async Task WaitAsync(ISignalSource source, TimeSpan wait, CancellationToken ct)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var signalled = source.WaitAsync(wait, either.Token);
        var changed = health.Changed.WaitAsync(wait, either.Token);
        await Task.WhenAny(signalled, changed);
        await either.CancelAsync();
        try
        {
            await Task.WhenAll(signalled, changed);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The other one ended first.
        }
    }

    /// <summary>One pass: heartbeat when due, fetch the plan, converge, report. False when it failed.</summary>
    private async Task<bool> CycleAsync(CancellationToken ct)
    {
        try
        {
            if (clock.GetUtcNow() >= nextHeartbeat)
            {
                await HeartbeatAsync(ct);
            }
            var (fetched, tag) = await controlPlane.PlanAsync(etag, ct);
            if (fetched is not null && fetched.Version >= (plan?.Version ?? 0))
            {
                plan = fetched;
                etag = tag;
            }
            if (plan is not null)
            {
                var observed = await reconciler.ConvergeAsync(plan, ct);
                health.Track(plan, observed);
                observed = health.Annotate(observed);
                applied = plan.Version;
                await ReportAsync(new HostReport(plan.Version, observed), ct);
            }
            return true;
        }
        catch (Exception e) when (e is not CredentialRefusedException && !ct.IsCancellationRequested)
        {
            // The control plane or Docker is unreachable, or answered something unexpected: keep
            // what runs, try again next cycle. Only a refused credential ends the agent.
            log.LogWarning("Cycle failed, retrying: {Error}", e.Message);
            return false;
        }
    }

    private async Task HeartbeatAsync(CancellationToken ct)
    {
        var response = await controlPlane.HeartbeatAsync(new Heartbeat(await facts.ReadAsync(ct), applied), ct);
        nextHeartbeat = clock.GetUtcNow() + settings.HeartbeatInterval;
        if (response.PlanVersion > applied)
        {
            etag = null; // a signal was lost: fetch in full
        }
        await UseChannelAsync(response.Signal);
    }

    private async Task UseChannelAsync(SignalChannel offered)
    {
        var renew = channel is null
            || channel.Kind != offered.Kind
            || channel.ExpiresOn is { } expires && expires - clock.GetUtcNow() < ChannelRenewal;
        if (!renew)
        {
            return;
        }
        if (signals is not null)
        {
            await signals.DisposeAsync();
        }
        channel = offered;
        signals = SignalSources.For(offered);
        log.LogInformation("Listening for signals on {Kind}", offered.Kind);
    }

    private async Task ReportAsync(HostReport report, CancellationToken ct)
    {
        var key = string.Join(';', report.Containers.Select(c => $"{c.InstanceId}:{c.ContainerId}:{c.State}:{c.Error}:{c.Health}")) + $"@{report.PlanVersion}";
        if (key == lastReport && clock.GetUtcNow() - lastReportAt < ReportRefresh)
        {
            return;
        }
        await controlPlane.ReportAsync(report, ct);
        lastReport = key;
        lastReportAt = clock.GetUtcNow();
    }

    private async Task<HostIdentity> IdentityAsync(CancellationToken ct)
    {
        if (HostIdentity.Load(settings.StateDir) is { } known)
        {
            return known;
        }
        if (string.IsNullOrWhiteSpace(settings.Token))
        {
            throw new CredentialRefusedException($"No host identity in {settings.StateDir} and no --token to register with.");
        }
        var request = new RegistrationRequest(settings.Token, await facts.ReadAsync(ct)) { RegistrationId = HostIdentity.RegistrationId(settings.StateDir) };
        var response = await controlPlane.RegisterAsync(request, ct);
        var identity = new HostIdentity(settings.Url, response.HostId, response.EnvironmentId, response.Credential);
        identity.Save(settings.StateDir);
        log.LogInformation("Registered as host {HostId}", response.HostId);
        return identity;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
