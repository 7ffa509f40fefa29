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
/// <param name="folder">The host folder mounted at <see cref="MountPath"/> in the balancer's container.</param>
public sealed class BalancerConfiguration(IDockerClient docker, string containerId, string folder)
{
    /// <summary>Where the balancer's container sees the host folder with its configuration and sockets.</summary>
    public const string MountPath = "/balancer";

    public const string FileName = "haproxy.cfg";

    public const string AdminSocket = "admin.sock";

    public const string MasterSocket = "master.sock";

    /// <summary>A copy of the configuration HAProxy is known to run.</summary>
    public const string AppliedFile = "haproxy.applied";

    /// <summary>How the balancer's container runs HAProxy: master-worker, the master's CLI beside the admin socket.</summary>
    public static readonly string[] Command = ["haproxy", "-W", "-db", "-S", $"{MountPath}/{MasterSocket}", "-f", $"{MountPath}/{FileName}"];

    /// <summary>Checks and installs <paramref name="text"/>, then reloads; null when it is running, otherwise HAProxy's refusal.</summary>
    public async Task<string?> ApplyAsync(string text, CancellationToken ct)
    {
        // What HAProxy is known to run: written only once a reload of it is confirmed (or before it starts).
        var applied = Path.Combine(folder, AppliedFile);
        if (File.Exists(applied) && await File.ReadAllTextAsync(applied, ct) == text)
        {
            return null;
        }
        var next = Path.Combine(folder, FileName + ".next");
        await File.WriteAllTextAsync(next, text, ct);
        // Warnings refuse too (-dW): a directive HAProxy would ignore is a configuration that does not do what the plan says.
        var (exit, output) = await ContainerExec.RunAsync(docker, containerId, ["haproxy", "-c", "-dW", "-f", $"{MountPath}/{FileName}.next"], ct);
        if (exit != 0)
        {
            File.Delete(next);
            // Its alerts and warnings say why; its notices (version, path) do not.
            var reasons = output.Split('\n').Where(l => l.Contains("[ALERT]", StringComparison.Ordinal) || l.Contains("[WARNING]", StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf(") : ", StringComparison.Ordinal) is var at and >= 0 ? at + 4 : 0)..].Trim());
            return $"HAProxy refused the configuration: {string.Join("; ", reasons)}";
        }
        File.Move(next, Path.Combine(folder, FileName), overwrite: true);
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
            var info = await new HaproxyRuntime(Path.Combine(folder, AdminSocket)).SendAsync("show info", ct);
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
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Path.Combine(folder, MasterSocket)), ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), ct);
        var buffer = new byte[4096];
        while (await socket.ReceiveAsync(buffer, ct) > 0)
        {
            // The master answers (or closes) once it has taken the command.
        }
    }
}
