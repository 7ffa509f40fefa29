using Docker.DotNet;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Networking;

/// <summary>
/// Brings the host's part of the environment network to the plan before its containers: the
/// bridge they join, the DNS responder on its gateway, the tunnel to the other hosts. Only the
/// bridge is needed to start containers; the responder and the tunnel are retried next pass.
/// </summary>
public sealed class HostNetworking(EnvironmentBridge bridge, DnsResponder dns, Tunnel tunnel, ILogger<HostNetworking> log)
{
    /// <returns>Why no container can start on this host, or null.</returns>
    public async Task<string?> ApplyAsync(HostPlan plan, CancellationToken ct)
    {
        if (plan.Network is not { } network)
        {
            return null;
        }
        try
        {
            await bridge.EnsureAsync(plan.HostId, network, ct);
        }
        catch (DockerApiException e)
        {
            var reason = $"environment network {network.Subnet}: {DockerErrors.MessageOf(e)}";
            log.LogWarning("{Reason}", reason);
            return reason;
        }
        if (plan.Dns is { } names)
        {
            try
            {
                await dns.ApplyAsync(network, names, ct);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                log.LogWarning("DNS responder not ready: {Error}", e.Message);
            }
        }
        try
        {
            await tunnel.EnsureAsync(plan.HostId, network, ct);
        }
        catch (InvalidOperationException e)
        {
            // Containers still run on this host; only cross-host traffic waits for the tunnel.
            log.LogWarning("Tunnel not ready: {Error}", e.Message);
        }
        return null;
    }
}
