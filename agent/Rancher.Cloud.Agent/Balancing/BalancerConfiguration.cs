using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Docker.DotNet;

namespace Rancher.Cloud.Agent.Balancing;

/// <summary>
/// A running balancer's configuration file, changed the safe way: the new text is checked by the
/// container's own HAProxy (<c>haproxy -c</c>) before it replaces the last good one, then the
/// master reloads: new workers take the listeners over, and old ones finish their connections
/// (WebSockets and streams too) for up to the drain timeout. A configuration HAProxy refuses
/// leaves the balancer running on the last good one, and the refusal is returned.
/// </summary>
/// <param name="docker">The engine the balancer runs on.</param>
/// <param name="containerId">The balancer's container.</param>
/// <param name="folder">The balancer's folder on the host.</param>
public sealed class BalancerConfiguration(IDockerClient docker, string containerId, BalancerFolder folder)
{
    /// <summary>Checks and installs <paramref name="text"/>, then reloads; null when it is running, otherwise HAProxy's refusal.</summary>
    public async Task<string?> ApplyAsync(string text, CancellationToken ct)
    {
        // What HAProxy is known to run: written only once a reload of it is confirmed (or before it starts).
        var applied = folder.AppliedFile;
        if (File.Exists(applied) && await File.ReadAllTextAsync(applied, ct) == text)
        {
            return null;
        }
        var next = folder.NextFile;
        await File.WriteAllTextAsync(next, text, ct);
        // Warnings refuse too (-dW): a directive HAProxy would ignore is a configuration that does not do what the plan says.
        var (exit, output) = await ContainerExec.RunAsync(docker, containerId, ["haproxy", "-c", "-dW", "-f", BalancerFolder.NextInContainer], ct);
        if (exit != 0)
        {
            File.Delete(next);
            // Its alerts and warnings say why; its notices (version, path) do not.
            var reasons = output.Split('\n').Where(l => l.Contains("[ALERT]", StringComparison.Ordinal) || l.Contains("[WARNING]", StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf(") : ", StringComparison.Ordinal) is var at and >= 0 ? at + 4 : 0)..].Trim());
            return $"HAProxy refused the configuration: {string.Join("; ", reasons)}";
        }
        File.Move(next, folder.ConfigFile, overwrite: true);
        var before = await WorkerAsync(ct);
        await MasterAsync("reload", ct);
        // The reload is done when the admin socket is answered by a new worker.
        for (var waited = 0; waited < 300; waited++)
        {
            if (await WorkerAsync(ct) is { } now && before is not null && now != before)
            {
                await File.WriteAllTextAsync(applied, text, ct);
                return null;
            }
            await Task.Delay(100, ct);
        }
        return "HAProxy did not start new workers on the new configuration within 30 s";
    }

    /// <summary>The pid of the worker answering the admin socket, or null while none does.</summary>
    public async Task<int?> WorkerAsync(CancellationToken ct)
    {
        try
        {
            var info = await new HaproxyRuntime(folder.AdminSocket).SendAsync("show info", ct);
            var pid = info.Split('\n').FirstOrDefault(l => l.StartsWith("Pid:", StringComparison.Ordinal))?["Pid:".Length..].Trim();
            return int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private async Task MasterAsync(string command, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(folder.MasterSocket), ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), ct);
        var buffer = new byte[4096];
        while (await socket.ReceiveAsync(buffer, ct) > 0)
        {
            // The master answers (or closes) once it has taken the command.
        }
    }
}
