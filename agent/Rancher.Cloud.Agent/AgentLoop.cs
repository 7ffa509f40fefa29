using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rancher.Cloud.Agent.Signals;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent;

/// <summary>
/// The agent's life: register once, start the heartbeats beside it, then forever fetch the
/// plan (If-None-Match), run its reconcilers over it in order (network, containers, health
/// checks), report what they observed and how each stands, and wait for a signal or the poll interval.
/// </summary>
public sealed class AgentLoop(
    IOptions<AgentOptions> options,
    ControlPlaneClient controlPlane,
    HostFactsReader facts,
    Heartbeats heartbeats,
    IEnumerable<Converge.IReconciler> reconcilers,
    HealthMonitor health,
    Networking.TunnelKeys tunnelKeys,
    Networking.UsedRanges usedRanges,
    Volumes.VolumeSizes volumeSizes,
    Volumes.VolumeTaskRunner volumeTasks,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<AgentLoop> log) : BackgroundService
{
    /// <summary>Observations are re-sent at least this often even when nothing changed.</summary>
    private static readonly TimeSpan ReportRefresh = TimeSpan.FromMinutes(1);

    /// <summary>A reconciler slower than this is named in the log: a slow engine or tool shows before the host looks lost.</summary>
    private static readonly TimeSpan SlowStep = TimeSpan.FromSeconds(10);

    /// <summary>A channel whose credential expires sooner than this is replaced.</summary>
    private static readonly TimeSpan ChannelRenewal = TimeSpan.FromHours(1);

    private readonly AgentOptions settings = options.Value;
    private ISignalSource? signals;
    private SignalChannel? channel;
    private HostPlan? plan;
    private string? etag;
    private string lastReport = "";
    private DateTimeOffset lastReportAt;
    private bool dismissed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RunAsHostAsync(stoppingToken);
                }
                catch (RegisterAnewException e)
                {
                    // Another machine was kept as this host: this one takes a new identity (and a new tunnel key).
                    log.LogWarning("{Reason} Forgetting this machine's identity and registering it as a new host.", e.Message);
                    HostIdentity.Forget(settings.StateDir);
                    tunnelKeys.Forget();
                    controlPlane.Credential = null;
                    usedRanges.Own = null;
                    (plan, etag, lastReport, dismissed) = (null, null, "", true);
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

    /// <summary>Registers if need be, then beats and converges until cancelled, refused, or sent away.</summary>
    private async Task RunAsHostAsync(CancellationToken stoppingToken)
    {
        var identity = await IdentityAsync(stoppingToken);
        controlPlane.Credential = identity.Credential;
        usedRanges.Own = (identity.HostId, identity.EnvironmentId);
        log.LogInformation("Host {HostId} of environment {EnvironmentId}", identity.HostId, identity.EnvironmentId);
        using var stopBeating = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var beating = heartbeats.RunAsync(stopBeating.Token);
        try
        {
            var failures = 0;
            while (!stoppingToken.IsCancellationRequested)
            {
                if (beating.IsCompleted)
                {
                    await beating; // refused or sent away: rethrown here, handled by the caller
                }
                if (heartbeats.Suspended)
                {
                    // Another machine uses this credential: leave Docker as it is until an operator decides.
                    await WaitAsync(beating, settings.PollInterval, stoppingToken);
                    continue;
                }
                failures = await CycleAsync(stoppingToken) ? 0 : failures + 1;
                if (failures > 0)
                {
                    // Docker or the control plane is down: retry at 1, 2, 4 … s, never faster.
                    await Task.Delay(Min(settings.PollInterval, TimeSpan.FromSeconds(Math.Pow(2, Math.Min(failures - 1, 6)))), stoppingToken);
                    continue;
                }
                await WaitAsync(beating, settings.PollInterval, stoppingToken);
            }
        }
        finally
        {
            await stopBeating.CancelAsync();
        }
    }

    /// <summary>Until a plan signal arrives, an instance's health changes, a heartbeat finds the plan behind, or <paramref name="wait"/> passes.</summary>
    private async Task WaitAsync(Task beating, TimeSpan wait, CancellationToken ct)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct);
        List<Task> waits = [beating, health.Changed.WaitAsync(wait, either.Token), heartbeats.Wake.WaitAsync(wait, either.Token)];
        if (signals is not null)
        {
            waits.Add(signals.WaitAsync(wait, either.Token));
        }
        await Task.WhenAny(waits);
        await either.CancelAsync();
        foreach (var task in waits.Skip(1))
        {
            try
            {
                await task;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // Cancelled because another ended first, or the signal source failed: the poll interval covers it.
                if (e is not OperationCanceledException)
                {
                    log.LogWarning("Waiting for signals failed: {Error}", e.Message);
                }
            }
        }
    }

    /// <summary>One pass: take up what the heartbeats learnt (signal channel, a lost signal), fetch the plan, converge, report. False when it failed.</summary>
    private async Task<bool> CycleAsync(CancellationToken ct)
    {
        try
        {
            if (heartbeats.Channel is { } offered)
            {
                await UseChannelAsync(offered);
            }
            if (heartbeats.TakePlanBehind())
            {
                etag = null; // a signal was lost: fetch in full
            }
            var (fetched, tag) = await controlPlane.PlanAsync(etag, ct);
            if (fetched is not null && fetched.Version >= (plan?.Version ?? 0))
            {
                plan = fetched;
                etag = tag;
            }
            if (plan is not null)
            {
                var pass = new Converge.Convergence(plan);
                var conditions = new List<HostCondition>();
                foreach (var reconciler in reconcilers)
                {
                    var started = clock.GetTimestamp();
                    var condition = await reconciler.ReconcileAsync(pass, ct);
                    if (clock.GetElapsedTime(started) is var took && took > SlowStep)
                    {
                        log.LogWarning("Converging {Concern} took {Seconds:0} s", condition.Concern, took.TotalSeconds);
                    }
                    conditions.Add(condition with { Error = Trimmed(condition.Error) });
                }
                heartbeats.Applied(plan.Version);
                await ReportAsync(new HostReport(plan.Version, pass.Observed) { Conditions = conditions, Volumes = await volumeSizes.ReadAsync(plan, ct) }, ct);
            }
            // Backups, restores and verifications run beside the loop, one at a time; this starts the next.
            await volumeTasks.PollAsync(ct);
            return true;
        }
        catch (Exception e) when (e is not (CredentialRefusedException or RegisterAnewException) && !ct.IsCancellationRequested)
        {
            // The control plane or Docker is unreachable, or answered something unexpected: keep
            // what runs, try again next cycle. Only a refused credential ends the agent.
            log.LogWarning("Cycle failed, retrying: {Error}", e.Message);
            return false;
        }
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
        var key = string.Join(';', report.Containers.Select(c => $"{c.InstanceId}:{c.ContainerId}:{c.State}:{c.Error}:{c.Health}"))
            + string.Join(';', (report.Conditions ?? []).Select(c => $"{c.Concern}:{c.Ready}:{c.Error}"))
            + string.Join(';', (report.Volumes ?? []).Select(v => $"{v.Name}:{v.SizeBytes}")) + $"@{report.PlanVersion}";
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
        while (string.IsNullOrWhiteSpace(settings.Token))
        {
            if (!dismissed)
            {
                throw new CredentialRefusedException($"No host identity in {settings.StateDir} and no --token to register with.");
            }
            // Sent away, with nothing to register with: say so now and then, never exit for good.
            log.LogError("This machine must register as a new host but was started without --token; restart it with --token <registration token>.");
            await Task.Delay(TimeSpan.FromMinutes(5), ct);
        }
        var response = await RegisterAsync(ct);
        var identity = new HostIdentity(settings.Url, response.HostId, response.EnvironmentId, response.Credential);
        identity.Save(settings.StateDir);
        log.LogInformation("Registered as host {HostId}", response.HostId);
        return identity;
    }

    /// <summary>
    /// Registers, retrying while Docker or the control plane is unreachable (a host installed
    /// before its engine is up, or during a control-plane outage); a refused token ends it. The
    /// registration id is the same on every try, so a try that got through but lost its answer
    /// is not a second host.
    /// </summary>
    private async Task<RegistrationResponse> RegisterAsync(CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var request = new RegistrationRequest(settings.Token, await facts.ReadAsync(ct)) { RegistrationId = HostIdentity.RegistrationId(settings.StateDir) };
                return await controlPlane.RegisterAsync(request, ct);
            }
            catch (Exception e) when (e is not CredentialRefusedException && !ct.IsCancellationRequested)
            {
                log.LogWarning("Registration failed, retrying: {Error}", e.Message);
                await Task.Delay(Min(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(Math.Pow(2, Math.Min(attempt, 5)))), ct);
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string? Trimmed(string? error) =>
        error is { Length: > HostCondition.MaxErrorLength } ? error[..HostCondition.MaxErrorLength] : error;
}
