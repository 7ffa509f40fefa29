using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rancher.Cloud.Agent.Converge;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Balancing;

/// <summary>
/// Keeps each balancer instance's HAProxy on its plan. Runs before the containers: a balancer
/// about to start finds its configuration written. A running one gets a change of members
/// through the runtime API (no reload) and any other change as a checked configuration and a
/// seamless reload; either way the file on disk is the whole plan, so a restart starts right.
/// </summary>
/// <param name="docker">The local engine.</param>
/// <param name="certificates">Fetches a certificate file the plan names (the control plane's agent API); null when the plans name none.</param>
/// <param name="options">The agent's settings.</param>
/// <param name="log">Where refusals and reloads are told.</param>
public sealed class BalancerReconciler(IDockerClient docker, Func<string, CancellationToken, Task<string>>? certificates, IOptions<AgentOptions> options, ILogger<BalancerReconciler> log) : IReconciler
{
    public string Concern => HostConcerns.Balancers;

    public async Task<HostCondition> ReconcileAsync(Convergence pass, CancellationToken ct)
    {
        var root = Path.Combine(options.Value.StateDir, "balancers");
        var planned = pass.Plan.Containers.Where(c => c.Balancer is not null).ToList();
        var errors = new List<string>();
        foreach (var container in planned)
        {
            try
            {
                if (await ConvergeAsync(container, container.Balancer!, ct) is { } error)
                {
                    errors.Add($"{container.InstanceId}: {error}");
                }
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // One balancer's failure is its own: the host's containers still converge.
                log.LogWarning("Balancer {InstanceId}: {Error}", container.InstanceId, e.Message);
                errors.Add($"{container.InstanceId}: {e.Message}");
            }
        }
        // Folders of balancers no longer planned here go with them.
        try
        {
            var kept = pass.Plan.Containers.Select(c => c.InstanceId).ToHashSet(StringComparer.Ordinal);
            foreach (var folder in Directory.Exists(root) ? Directory.GetDirectories(root).Where(d => !kept.Contains(Path.GetFileName(d))) : [])
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException e)
        {
            errors.Add($"cleaning up: {e.Message}");
        }
        return new HostCondition(Concern, errors.Count == 0, errors.Count == 0 ? null : string.Join("; ", errors));
    }

    private async Task<string?> ConvergeAsync(PlannedContainer container, PlannedBalancer balancer, CancellationToken ct)
    {
        var folder = BalancerFolder.Of(options.Value.StateDir, container.InstanceId).Create();
        await CertificatesAsync(folder, balancer, ct);
        var text = BalancerFolder.Render(balancer);
        var shape = BalancerFolder.Render(balancer with { Backends = balancer.Backends.Select(b => b with { Members = [] }).ToList() });
        var running = await RunningAsync(container, ct);
        if (running is null)
        {
            // Not started yet (or stopped): the configuration it will start with.
            await File.WriteAllTextAsync(folder.ConfigFile, text, ct);
            await File.WriteAllTextAsync(folder.AppliedFile, text, ct);
            await File.WriteAllTextAsync(folder.ShapeFile, shape, ct);
            return null;
        }
        if (File.Exists(folder.ShapeFile) && await File.ReadAllTextAsync(folder.ShapeFile, ct) == shape && await MembersAsync(folder, balancer, ct))
        {
            await File.WriteAllTextAsync(folder.ConfigFile, text, ct);
            return null;
        }
        var refusal = await new BalancerConfiguration(docker, running, folder).ApplyAsync(text, ct);
        if (refusal is null)
        {
            RemoveStaleCertificates(folder, balancer);
            await File.WriteAllTextAsync(folder.ShapeFile, shape, ct);
            log.LogInformation("Balancer {InstanceId} reloaded on a new configuration", container.InstanceId);
        }
        return refusal;
    }

    /// <summary>
    /// The certificate files the plan names, fetched once each (a new certificate is a new name);
    /// written beside the configuration, where the container reads them read-only. Files the plan
    /// no longer names go once a configuration without them runs.
    /// </summary>
    private async Task CertificatesAsync(BalancerFolder folder, PlannedBalancer balancer, CancellationToken ct)
    {
        var dir = Directory.CreateDirectory(folder.CertificateDir).FullName;
        if (balancer.Certificates.Count == 0 && balancer.Listeners.Any(l => l.Protocol is "https" or "tls"))
        {
            var placeholder = Path.Combine(dir, PlaceholderCertificate.FileName);
            if (!File.Exists(placeholder))
            {
                await WriteKeyFileAsync(placeholder, PlaceholderCertificate.Pem(DateTimeOffset.UtcNow), ct);
            }
        }
        foreach (var file in balancer.Certificates)
        {
            var path = Path.Combine(dir, Path.GetFileName(file));
            if (!File.Exists(path))
            {
                await WriteKeyFileAsync(path, await (certificates ?? throw new InvalidOperationException("no control plane to fetch certificates from"))(file, ct), ct);
            }
        }
    }

    /// <summary>Writes a file holding a key: readable by root only from its first byte, and whole or not at all.</summary>
    private static async Task WriteKeyFileAsync(string path, string pem, CancellationToken ct)
    {
        var next = path + ".next";
        await File.WriteAllTextAsync(next, "", ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(next, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        await File.WriteAllTextAsync(next, pem, ct);
        File.Move(next, path, overwrite: true);
    }

    /// <summary>Certificate files the running configuration no longer names: only once HAProxy runs one without them.</summary>
    private static void RemoveStaleCertificates(BalancerFolder folder, PlannedBalancer balancer)
    {
        foreach (var stale in Directory.Exists(folder.CertificateDir) ? Directory.GetFiles(folder.CertificateDir).Where(f => !balancer.Certificates.Contains(Path.GetFileName(f)) && Path.GetFileName(f) != PlaceholderCertificate.FileName) : [])
        {
            File.Delete(stale);
        }
    }

    /// <summary>Members of every backend through the runtime API; false when one has outgrown its slots.</summary>
    private static async Task<bool> MembersAsync(BalancerFolder folder, PlannedBalancer balancer, CancellationToken ct)
    {
        var runtime = new HaproxyRuntime(folder.AdminSocket);
        foreach (var backend in balancer.Backends)
        {
            if (!await runtime.ApplyAsync(backend, ct))
            {
                return false;
            }
        }
        return true;
    }

    private async Task<string?> RunningAsync(PlannedContainer container, CancellationToken ct)
    {
        var found = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{Labels.Instance}={container.InstanceId}"] = true },
                ["status"] = new Dictionary<string, bool> { ["running"] = true },
            },
        }, ct);
        return found.FirstOrDefault()?.ID;
    }
}
