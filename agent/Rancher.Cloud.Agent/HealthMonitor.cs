using System.Collections.Concurrent;
using System.Net.Sockets;
using Docker.DotNet;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.Agent.Converge;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent;

/// <summary>
/// Runs the plan's health checks against this host's running instances: a command inside the
/// container (docker exec), an HTTP GET or a TCP connect to the container's address. An
/// instance turns unhealthy after <c>retries</c> failures in a row outside its start period and
/// healthy again on a success. Each change wakes the agent loop, which reports it at once.
/// </summary>
public sealed class HealthMonitor(IDockerClient docker, TimeProvider clock, ILogger<HealthMonitor> log) : BackgroundService, IReconciler
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan IdleTick = TimeSpan.FromSeconds(1);
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });

    private readonly ConcurrentDictionary<string, Tracked> tracked = new(StringComparer.Ordinal);

    /// <summary>Released whenever an instance's health changes.</summary>
    public SemaphoreSlim Changed { get; } = new(0);

    public string Concern => HostConcerns.Health;

    /// <summary>Follows what the pass observed (new containers are checked, gone ones forgotten) and adds each checked instance's health.</summary>
    public Task<HostCondition> ReconcileAsync(Convergence pass, CancellationToken ct)
    {
        Track(pass.Plan, pass.Observed);
        pass.Observed = Annotate(pass.Observed);
        var unhealthy = pass.Observed.Where(o => o.Health == HealthStates.Unhealthy).ToList();
        return Task.FromResult(unhealthy.Count == 0
            ? new HostCondition(Concern, true, null)
            // Which instances, not what their checks said: a check's output changes every run, and each change would be a report.
            : new HostCondition(Concern, false, $"{unhealthy.Count} unhealthy: {string.Join(", ", unhealthy.Take(10).Select(u => u.InstanceId))}"));
    }

    private void Track(HostPlan plan, IReadOnlyList<ObservedContainer> observed)
    {
        var running = observed.Where(o => o.State == ContainerStates.Running && o.ContainerId is not null)
            .ToDictionary(o => o.InstanceId, o => o.ContainerId!, StringComparer.Ordinal);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var container in plan.Containers)
        {
            if (container.HealthCheck is not { } check || !running.TryGetValue(container.InstanceId, out var id))
            {
                continue;
            }
            wanted.Add(container.InstanceId);
            var current = tracked.GetValueOrDefault(container.InstanceId);
            if (current is null || current.ContainerId != id || !Same(current.Check, check))
            {
                // The planned address is where the container is; only one off the environment network is looked up.
                tracked[container.InstanceId] = new Tracked(id, check, clock.GetUtcNow()) { Address = container.Address };
            }
        }
        foreach (var gone in tracked.Keys.Where(k => !wanted.Contains(k)))
        {
            tracked.TryRemove(gone, out _);
        }
    }

    /// <summary>The observations with each checked instance's health added.</summary>
    private List<ObservedContainer> Annotate(IReadOnlyList<ObservedContainer> observed) =>
        observed.Select(o => tracked.TryGetValue(o.InstanceId, out var t) && t.ContainerId == o.ContainerId
            ? o with { Health = t.Status, HealthOutput = t.Status == HealthStates.Unhealthy ? t.LastOutput : null }
            : o).ToList();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // A host with nothing to check wakes once a second, not four times.
            await Task.Delay(tracked.IsEmpty ? IdleTick : Tick, clock, stoppingToken);
            var now = clock.GetUtcNow();
            foreach (var (instance, state) in tracked)
            {
                if (!state.Running && now >= state.NextCheck)
                {
                    state.Running = true;
                    _ = RunAsync(instance, state, stoppingToken);
                }
            }
        }
    }

    private async Task RunAsync(string instance, Tracked state, CancellationToken ct)
    {
        try
        {
            var started = clock.GetUtcNow();
            var (ok, output) = await CheckAsync(state, ct);
            var now = clock.GetUtcNow();
            var inStartPeriod = now - state.Since < TimeSpan.FromMilliseconds(state.Check.StartPeriodMs);
            var before = state.Status;
            if (ok)
            {
                state.Failures = 0;
                state.Status = HealthStates.Healthy;
            }
            else if (!inStartPeriod && ++state.Failures >= state.Check.Retries)
            {
                state.Status = HealthStates.Unhealthy;
            }
            state.LastOutput = ok ? null : output;
            state.NextCheck = started + TimeSpan.FromMilliseconds(state.Check.IntervalMs);
            if (before != state.Status && tracked.TryGetValue(instance, out var current) && ReferenceEquals(current, state))
            {
                log.LogInformation("Instance {InstanceId} is {Health}{Output}", instance, state.Status, ok ? "" : $": {output}");
                Changed.Release();
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogWarning("Health check of {InstanceId} could not run: {Error}", instance, e.Message);
            state.NextCheck = clock.GetUtcNow() + TimeSpan.FromMilliseconds(state.Check.IntervalMs);
        }
        finally
        {
            state.Running = false;
        }
    }

    private async Task<(bool Ok, string Output)> CheckAsync(Tracked state, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(state.Check.TimeoutMs));
        try
        {
            return state.Check.Type switch
            {
                "command" => await CommandAsync(state, timeout.Token),
                "http" => await HttpAsync(state, timeout.Token),
                _ => await TcpAsync(state, timeout.Token),
            };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (false, $"timed out after {state.Check.TimeoutMs} ms");
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or DockerApiException)
        {
            return (false, e.Message);
        }
    }

    private async Task<(bool, string)> CommandAsync(Tracked state, CancellationToken ct)
    {
        var test = state.Check.Test;
        IList<string> command = test[0] == "CMD-SHELL" ? ["/bin/sh", "-c", test[1]] : test.Skip(1).ToList();
        var (exitCode, output) = await ContainerExec.RunAsync(docker, state.ContainerId, command, ct);
        state.LastOutput = Trim(output);
        return (exitCode == 0, $"exit code {exitCode}: {state.LastOutput}");
    }

    private async Task<(bool, string)> HttpAsync(Tracked state, CancellationToken ct)
    {
        var address = await AddressAsync(state, ct);
        using var response = await Http.GetAsync(new Uri($"http://{address}:{state.Check.Port}{state.Check.Path}"), HttpCompletionOption.ResponseHeadersRead, ct);
        var code = (int)response.StatusCode;
        return (code is >= 200 and < 400, $"HTTP {code} from {state.Check.Path}");
    }

    private async Task<(bool, string)> TcpAsync(Tracked state, CancellationToken ct)
    {
        var address = await AddressAsync(state, ct);
        using var client = new TcpClient();
        await client.ConnectAsync(address, state.Check.Port, ct);
        return (true, "");
    }

    /// <summary>The container's address: the planned one, or read once from Docker for a container without one.</summary>
    private async Task<string> AddressAsync(Tracked state, CancellationToken ct)
    {
        if (state.Address is null)
        {
            var inspected = await docker.Containers.InspectContainerAsync(state.ContainerId, ct);
            state.Address = inspected.NetworkSettings?.Networks?.Values.Select(n => n.IPAddress).FirstOrDefault(a => !string.IsNullOrEmpty(a))
                ?? throw new SocketException((int)SocketError.HostUnreachable);
        }
        return state.Address;
    }

    private static bool Same(PlannedHealthCheck a, PlannedHealthCheck b) =>
        a with { Test = [] } == b with { Test = [] } && a.Test.SequenceEqual(b.Test);

    private static string Trim(string output)
    {
        var text = output.Trim();
        return text.Length <= 500 ? text : text[..500];
    }

    private sealed class Tracked(string containerId, PlannedHealthCheck check, DateTimeOffset since)
    {
        public string ContainerId { get; } = containerId;
        public PlannedHealthCheck Check { get; } = check;
        public DateTimeOffset Since { get; } = since;
        public DateTimeOffset NextCheck { get; set; } = since;
        public string Status { get; set; } = HealthStates.Starting;
        public int Failures { get; set; }
        public string? LastOutput { get; set; }
        public string? Address { get; set; }
        public bool Running { get; set; }
    }
}
