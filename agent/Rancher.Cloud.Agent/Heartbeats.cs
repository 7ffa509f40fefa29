using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent;

/// <summary>
/// Tells the control plane this host is alive, on its own schedule beside the converge loop: a
/// converge that takes long (a big image, a slow engine, a busy machine) must not make the host
/// look lost and its instances move. A beat reads the engine's facts, so a host whose Docker
/// Engine is down or wedged does stop beating, and its instances do move.
/// </summary>
public sealed class Heartbeats(
    IOptions<AgentOptions> options,
    ControlPlaneClient controlPlane,
    HostFactsReader facts,
    TimeProvider clock,
    ILogger<Heartbeats> log)
{
    /// <summary>A beat that has not got through by then is given up; the next one starts at once.</summary>
    private static readonly TimeSpan BeatTimeout = TimeSpan.FromSeconds(30);

    /// <summary>After a failed beat, the next is tried this soon (a missed beat costs a third of the grace).</summary>
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(3);

    /// <summary>While this machine is suspected of being a clone, beats are this far apart.</summary>
    private static readonly TimeSpan SuspectedInterval = TimeSpan.FromSeconds(30);

    private readonly TimeSpan interval = options.Value.HeartbeatInterval;
    private int suspended;
    private long applied;
    private int planBehind;
    private SignalChannel? channel;

    /// <summary>Released when the first beat brings the signal channel, and when a beat finds a newer plan than the one applied.</summary>
    public SemaphoreSlim Wake { get; } = new(0);

    /// <summary>The signal channel the control plane offered in the last beat; null before the first.</summary>
    public SignalChannel? Channel => Volatile.Read(ref channel);

    /// <summary>
    /// True while the control plane suspects this machine of using another's credential: the
    /// converge loop leaves Docker alone until an operator decides, and the beats go on, slowly.
    /// </summary>
    public bool Suspended => Volatile.Read(ref suspended) == 1;

    /// <summary>The plan version the host runs, sent with each beat.</summary>
    public void Applied(long version) => Interlocked.Exchange(ref applied, version);

    /// <summary>True once after a beat saw a newer plan than the one applied (a plan signal was lost).</summary>
    public bool TakePlanBehind() => Interlocked.Exchange(ref planBehind, 0) == 1;

    /// <summary>
    /// Beats until <paramref name="ct"/> ends; ends early only when the control plane refuses the
    /// host's credential, or tells this machine to register anew (<see cref="RegisterAnewException"/>).
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var started = clock.GetUtcNow();
            var next = await BeatAsync(ct) ? started + (Suspended ? SuspectedInterval : interval) : clock.GetUtcNow() + RetryAfterFailure;
            var wait = next - clock.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, clock, ct);
            }
        }
    }

    private async Task<bool> BeatAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(BeatTimeout);
        var stage = "reading the engine's facts";
        try
        {
            var read = await facts.ReadAsync(timeout.Token);
            stage = "sending the beat to the control plane";
            var response = await controlPlane.HeartbeatAsync(new Heartbeat(read, Interlocked.Read(ref applied)), timeout.Token);
            if (response.Standing == HostStandings.RegisterAnew)
            {
                throw new RegisterAnewException(response.Reason ?? "The control plane asks this machine to register as a new host.");
            }
            var suspected = response.Standing == HostStandings.Suspected;
            if (suspected)
            {
                log.LogWarning("Not converging: {Reason}", response.Reason);
            }
            else if (Interlocked.Exchange(ref suspended, 0) == 1)
            {
                log.LogInformation("The control plane accepts this machine as the host again; converging");
            }
            Volatile.Write(ref suspended, suspected ? 1 : 0);
            // The first channel, or a newer plan than the one applied (a plan signal was lost), wakes the converge loop.
            var first = Interlocked.Exchange(ref channel, response.Signal) is null;
            var behind = response.PlanVersion > Interlocked.Read(ref applied) && Interlocked.Exchange(ref planBehind, 1) == 0;
            if (first || behind)
            {
                Wake.Release();
            }
            return true;
        }
        catch (Exception e) when (e is not (CredentialRefusedException or RegisterAnewException) && !ct.IsCancellationRequested)
        {
            // Docker or the control plane did not answer in time; the host stays up and tries again soon.
            log.LogWarning("Heartbeat failed, retrying: {Error}",
                e is OperationCanceledException ? $"no answer within {BeatTimeout.TotalSeconds:0} s while {stage}" : e.Message);
            return false;
        }
    }
}
