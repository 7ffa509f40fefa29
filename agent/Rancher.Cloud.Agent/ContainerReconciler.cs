using System.Collections.Concurrent;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rancher.Cloud.Agent.Converge;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent;

/// <summary>
/// Converges the local Docker Engine to a host plan: creates and starts what is missing,
/// recreates what changed, removes what is no longer planned, then reports what it sees.
/// Level-triggered: it looks at Docker every time and never trusts its own memory, so an
/// agent restarted mid-way converges to the same state.
/// </summary>
public sealed class ContainerReconciler(
    IDockerClient docker, IOptions<AgentOptions> options, ILogger<ContainerReconciler> log) : IReconciler
{
    private const int Parallelism = 4;

    public string Concern => HostConcerns.Containers;

    public async Task<HostCondition> ReconcileAsync(Convergence pass, CancellationToken ct)
    {
        var plan = pass.Plan;
        var existing = await ListOwnedAsync(plan.HostId, ct);
        var planned = plan.Containers.ToDictionary(c => c.InstanceId, StringComparer.Ordinal);

        plannedNow = planned.Keys.ToHashSet(StringComparer.Ordinal);
        var wantedPorts = plan.Containers.SelectMany(c => c.Ports).Select(p => (p.Published, p.Protocol)).ToHashSet();
        var wantedAddresses = plan.Containers.Select(c => c.Address).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var orphan in existing.Where(c => !planned.ContainsKey(InstanceOf(c))))
        {
            // At once when a planned container needs what it holds: a published port, or its address (handed out again).
            if (orphan.Ports?.Any(p => p.PublicPort is > 0 and var port && wantedPorts.Contains(((int)port, p.Type))) == true
                || orphan.NetworkSettings?.Networks?.Values.Any(n => wantedAddresses.Contains(n.IPAddress ?? "")) == true)
            {
                await RemoveAsync(orphan, "no longer planned, and a planned container needs its port or address", ct);
            }
            else
            {
                Retire(orphan);
            }
        }

        if (pass.Blocked is { } unreachable)
        {
            // Nothing can start without its network: say why for every instance.
            pass.Observed = plan.Containers.Select(c => new ObservedContainer(c.InstanceId, null, ContainerStates.Error, unreachable)).ToList();
            return ConditionOf(pass.Observed);
        }

        var observed = new ObservedContainer[plan.Containers.Count];
        var byInstance = existing.ToLookup(InstanceOf, StringComparer.Ordinal);
        var ensured = new ConcurrentDictionary<string, Task>(StringComparer.Ordinal);
        var indexes = Enumerable.Range(0, plan.Containers.Count).ToLookup(i => SharesNetwork(plan.Containers[i]));
        // Containers with a network of their own first: the ones that share a network join them.
        await ConvergeAsync(indexes[false], i => ConvergeOneAsync(plan, plan.Containers[i], byInstance[plan.Containers[i].InstanceId].ToList(), ensured, null, ct));
        var byInstanceObserved = indexes[false].ToDictionary(i => observed[i].InstanceId, i => observed[i], StringComparer.Ordinal);
        await ConvergeAsync(indexes[true], i => JoinAsync(plan, plan.Containers[i], byInstance[plan.Containers[i].InstanceId].ToList(), byInstanceObserved, ensured, ct));
        pass.Observed = observed;
        return ConditionOf(observed);

        // A few at a time: Docker serialises much of its work, but overlapping the round trips pays.
        async Task ConvergeAsync(IEnumerable<int> which, Func<int, Task<ObservedContainer>> one) =>
            await Parallel.ForEachAsync(which, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
                async (i, _) => observed[i] = await one(i));
    }

    private static bool SharesNetwork(PlannedContainer planned) =>
        planned.JoinsInstance is not null || planned.Run?.NetworkMode?.StartsWith("service:", StringComparison.Ordinal) == true;

    /// <summary>A container on another service's network starts once that service's container here runs, and is made anew when that one is.</summary>
    private async Task<ObservedContainer> JoinAsync(
        HostPlan plan, PlannedContainer planned, List<ContainerListResponse> current,
        Dictionary<string, ObservedContainer> observed, ConcurrentDictionary<string, Task> ensured, CancellationToken ct)
    {
        if (planned.JoinsInstance is not { } joins || !observed.TryGetValue(joins, out var target))
        {
            return new ObservedContainer(planned.InstanceId, null, ContainerStates.Error,
                $"no instance of the service whose network it shares ({planned.Run?.NetworkMode}) is planned on this host");
        }
        if (target is not { State: ContainerStates.Running, ContainerId: { } targetId })
        {
            return new ObservedContainer(planned.InstanceId, current.FirstOrDefault()?.ID, ContainerStates.Starting, $"waits for {joins}, whose network it shares, to run");
        }
        try
        {
            // The joined container started again (restarted by Docker, or started by this agent) in a
            // new network namespace: a joiner started before that is left with only its loopback.
            var joinedStart = StartedAt(await docker.Containers.InspectContainerAsync(targetId, ct));
            foreach (var running in current.Where(c => c.State == "running").ToList())
            {
                if (StartedAt(await docker.Containers.InspectContainerAsync(running.ID, ct)) < joinedStart)
                {
                    await RemoveAsync(running, "the container whose network it shares started again", ct);
                    current.Remove(running);
                }
            }
        }
        catch (DockerContainerNotFoundException)
        {
            // Gone meanwhile: the next pass sees it.
        }
        catch (DockerApiException e)
        {
            log.LogWarning("Instance {InstanceId}: {Error}", planned.InstanceId, e.ResponseBody);
            return new ObservedContainer(planned.InstanceId, null, ContainerStates.Error, DockerErrors.MessageOf(e));
        }
        return await ConvergeOneAsync(plan, planned, current, ensured, targetId, ct);
    }

    private static DateTimeOffset StartedAt(ContainerInspectResponse container) =>
        DateTimeOffset.TryParse(container.State?.StartedAt, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : DateTimeOffset.MinValue;

    /// <summary>Ready when no planned container failed; otherwise how many did, and the first reason.</summary>
    private HostCondition ConditionOf(IReadOnlyList<ObservedContainer> observed)
    {
        var failed = observed.Where(o => o.State == ContainerStates.Error).ToList();
        return failed.Count == 0
            ? new HostCondition(Concern, true, null)
            : new HostCondition(Concern, false, $"{failed.Count} of {observed.Count} containers failed; {failed[0].InstanceId}: {failed[0].Error}");
    }

    private async Task<ObservedContainer> ConvergeOneAsync(
        HostPlan plan, PlannedContainer planned, List<ContainerListResponse> current, ConcurrentDictionary<string, Task> ensured, string? joins, CancellationToken ct)
    {
        try
        {
            var stales = current.Where(c => SpecHashOf(c) != planned.SpecHash).ToList();
            if (stales.Count > 0)
            {
                // The new image first: one that cannot be had (a typo, a registry down) leaves the old container serving.
                await ImageReadyAsync(planned, ensured, ct);
            }
            foreach (var stale in stales)
            {
                await RemoveAsync(stale, "its spec changed", ct);
            }
            var keep = current.FirstOrDefault(c => SpecHashOf(c) == planned.SpecHash);
            if (keep is not null && joins is not null && keep.HostConfig?.NetworkMode != $"container:{joins}")
            {
                await RemoveAsync(keep, "the container whose network it shares was made anew", ct);
                keep = null;
            }
            // A container that exited under restart 'no' (or cleanly under 'on-failure') stays stopped, as Docker would leave it.
            var exitedByPolicy = keep?.State == "exited" && planned.Restart is "no" or "on-failure";
            // A container paused for a backup's copy is running; it is unpaused when the copy ends.
            var starting = keep?.State is not ("running" or "paused") && !exitedByPolicy;
            if (starting && BindSources.LinkIn(options.Value.StateDir, planned) is { } unsafeBind)
            {
                log.LogWarning("Instance {InstanceId}: {Error}", planned.InstanceId, unsafeBind);
                return new ObservedContainer(planned.InstanceId, keep?.ID, ContainerStates.Error, unsafeBind);
            }
            var id = keep?.ID ?? await CreateAsync(plan, planned, ensured, joins, ct);
            if (starting)
            {
                await docker.Containers.StartContainerAsync(id, new ContainerStartParameters(), ct);
            }
            return await ObserveAsync(planned, id, ct);
        }
        catch (DockerApiException e)
        {
            log.LogWarning("Instance {InstanceId}: {Error}", planned.InstanceId, e.ResponseBody);
            return new ObservedContainer(planned.InstanceId, null, ContainerStates.Error, DockerErrors.MessageOf(e));
        }
    }

    private async Task<string> CreateAsync(HostPlan plan, PlannedContainer planned, ConcurrentDictionary<string, Task> ensured, string? joins, CancellationToken ct)
    {
        await ImageReadyAsync(planned, ensured, ct);
        foreach (var mount in planned.Mounts.Where(m => m is { Type: "volume", Source.Length: > 0 }))
        {
            // Docker would create the volume on first use, without labels; an existing one is left as it is.
            // The platform's label keeps it listed (and deletable, and backed up) while nothing mounts it.
            var labels = (mount.Labels ?? new Dictionary<string, string>()).ToDictionary(StringComparer.Ordinal);
            labels[Labels.Volume] = "true";
            await ensured.GetOrAdd("volume:" + mount.Source, _ => docker.Volumes.CreateAsync(
                new VolumesCreateParameters { Name = mount.Source, Labels = labels }, ct));
        }
        try
        {
            var created = await docker.Containers.CreateContainerAsync(ContainerSpec.ToCreate(plan.HostId, planned, options.Value.StateDir, plan.Network, plan.Dns, joins), ct);
            log.LogInformation("Created {Name} ({Id})", ContainerSpec.NameOf(planned), created.ID[..12]);
            return created.ID;
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // Created by an earlier run whose answer we never saw: the name is the instance's own.
            var found = await docker.Containers.InspectContainerAsync(ContainerSpec.NameOf(planned), ct);
            return found.ID;
        }
    }

    /// <summary>
    /// The planned image on the host as its pull policy says. Each image and labelled volume is seen
    /// to once per pass, and instances that need it at the same time wait for the same work.
    /// </summary>
    private Task ImageReadyAsync(PlannedContainer planned, ConcurrentDictionary<string, Task> ensured, CancellationToken ct) =>
        planned.Run?.PullPolicy switch
        {
            "never" => Task.CompletedTask, // only what the host has: a missing image is Docker's "No such image" on create
            "always" => ensured.GetOrAdd("pull:" + planned.Image, _ => PullAsync(planned.Image, ct)),
            _ => ensured.GetOrAdd("image:" + planned.Image, _ => EnsureImageAsync(planned.Image, ct)),
        };

    /// <summary>Pulls only when the image is not on the host already.</summary>
    private async Task EnsureImageAsync(string image, CancellationToken ct)
    {
        try
        {
            await docker.Images.InspectImageAsync(image, ct);
        }
        catch (DockerImageNotFoundException)
        {
            await PullAsync(image, ct);
        }
    }

    private async Task PullAsync(string image, CancellationToken ct)
    {
        log.LogInformation("Pulling {Image}", image);
        await docker.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = image }, null, new Progress<JSONMessage>(), ct);
    }

    private async Task<ObservedContainer> ObserveAsync(PlannedContainer planned, string id, CancellationToken ct)
    {
        var inspected = await docker.Containers.InspectContainerAsync(id, ct);
        var state = inspected.State ?? new State { Status = "unknown" };
        return state.Status switch
        {
            "running" or "paused" => new ObservedContainer(planned.InstanceId, id, ContainerStates.Running, null),
            "created" or "restarting" => new ObservedContainer(planned.InstanceId, id, ContainerStates.Starting, NonEmpty(state.Error)),
            _ => new ObservedContainer(planned.InstanceId, id, ContainerStates.Stopped,
                NonEmpty(state.Error) ?? $"exited with code {state.ExitCode}"),
        };
    }

    private async Task<IList<ContainerListResponse>> ListOwnedAsync(string hostId, CancellationToken ct) =>
        await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{Labels.Host}={hostId}"] = true },
            },
        }, ct);

    /// <summary>Containers being retired, by id: each is retired once, however many passes see it.</summary>
    private readonly ConcurrentDictionary<string, bool> retiring = new(StringComparer.Ordinal);

    /// <summary>The instances the last plan wants here: a retirement that finds its instance planned again stops short.</summary>
    private volatile HashSet<string> plannedNow = new(StringComparer.Ordinal);

    /// <summary>
    /// A container no longer planned leaves gracefully, in the background: after the deregistration
    /// delay (its balancers stop sending to it first) it gets its stop signal and the stop timeout
    /// to finish what it serves, then it is removed. An agent stopped meanwhile retires it on its next pass.
    /// </summary>
    private void Retire(ContainerListResponse container)
    {
        if (!retiring.TryAdd(container.ID, true))
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(options.Value.DeregistrationDelay);
                if (plannedNow.Contains(InstanceOf(container)))
                {
                    return; // planned here again meanwhile: the containers' pass keeps it
                }
                // The container's own stop timeout (a balancer's is its drain timeout), or Docker's 10 s.
                await docker.Containers.StopContainerAsync(container.ID, new ContainerStopParameters());
                await RemoveAsync(container, "no longer planned", CancellationToken.None);
            }
            catch (DockerContainerNotFoundException)
            {
                // Gone already.
            }
            catch (Exception e)
            {
                log.LogWarning("Retiring {Name}: {Error}; the next pass tries again", container.Names.FirstOrDefault(), e.Message);
            }
            finally
            {
                retiring.TryRemove(container.ID, out _);
            }
        });
    }

    private async Task RemoveAsync(ContainerListResponse container, string why, CancellationToken ct)
    {
        try
        {
            await docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, ct);
            log.LogInformation("Removed {Name}: {Why}", container.Names.FirstOrDefault(), why);
        }
        catch (DockerContainerNotFoundException)
        {
            // Already gone: what we wanted.
        }
    }

    private static string InstanceOf(ContainerListResponse c) => c.Labels.TryGetValue(Labels.Instance, out var v) ? v : "";

    private static string SpecHashOf(ContainerListResponse c) => c.Labels.TryGetValue(Labels.SpecHash, out var v) ? v : "";

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

}
