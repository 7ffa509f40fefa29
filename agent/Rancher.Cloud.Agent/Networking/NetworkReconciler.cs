using Docker.DotNet;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.Agent.Converge;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Networking;

/// <summary>
/// Brings the host's part of the environment network to the plan before its containers: the
/// bridge they join, the DNS responder on its gateway, the tunnel to the other hosts. Only the
/// bridge is needed to start containers; the responder and the tunnel are retried next pass,
/// and what failed is the host's network condition, so the operator sees it.
/// </summary>
public sealed class NetworkReconciler(EnvironmentBridge bridge, DnsResponder dns, Tunnel tunnel, ILogger<NetworkReconciler> log) : IReconciler
{
    public string Concern => HostConcerns.Network;

    public async Task<HostCondition> ReconcileAsync(Convergence pass, CancellationToken ct)
    {
        if (pass.Plan.Network is not { } network)
        {
            return new HostCondition(Concern, true, null);
        }
        try
        {
            await bridge.EnsureAsync(pass.Plan.HostId, network, ct);
        }
        catch (DockerApiException e)
        {
            pass.Blocked = $"environment network {network.Subnet}: {DockerErrors.MessageOf(e)}";
            log.LogWarning("{Reason}", pass.Blocked);
            return new HostCondition(Concern, false, pass.Blocked);
        }
        var problems = new List<string>();
        if (pass.Plan.Dns is { } names)
        {
            try
            {
                await dns.ApplyAsync(network, names, ct);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                log.LogWarning("DNS responder not ready: {Error}", e.Message);
                problems.Add($"DNS responder on {network.Gateway}: {e.Message}");
            }
        }
        try
        {
            await tunnel.EnsureAsync(pass.Plan.HostId, network, ct);
        }
        catch (InvalidOperationException e)
        {
            // Containers still run on this host; only cross-host traffic waits for the tunnel.
            log.LogWarning("Tunnel not ready: {Error}", e.Message);
            problems.Add($"tunnel: {e.Message}");
        }
        return new HostCondition(Concern, problems.Count == 0, problems.Count == 0 ? null : string.Join("; ", problems));
    }
}
