using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Rancher.Cloud.Harness;

/// <summary>
/// One simulated Docker host: a network namespace linked to the bridge, with its own dockerd
/// (own data root, exec root and socket), started with nsenter so it sees the namespace's
/// network and the machine's /sys.
/// </summary>
public sealed class NamespaceHost : IAsyncDisposable
{
    private readonly HostNetwork network;
    private Process? dockerd;
    private bool disposed;

    internal NamespaceHost(HostNetwork network, string name, string address)
    {
        this.network = network;
        Name = name;
        Address = address;
        Docker = new DockerClientBuilder().WithEndpoint(new Uri(DockerEndpoint)).Build();
    }

    public string Name { get; }

    /// <summary>The host's address on the bridge.</summary>
    public string Address { get; }

    public string NetnsPath => $"/run/netns/{Name}";

    public string DockerEndpoint => $"unix://{RunDir(Name)}/docker.sock";

    public IDockerClient Docker { get; }

    private static string RunDir(string name) => $"/run/{HostNetwork.Prefix}/{name}";

    private static string DataDir(string name) => $"/var/lib/{HostNetwork.Prefix}/{name}";

    private string Veth => $"{Name}v";

    /// <summary>The engine's last warnings and errors, for a failing test's message (a stalled engine shows why).</summary>
    public string EngineLog => string.Join('\n', engineLines);

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> engineLines = new();

    private void KeepEngineLine(string? line)
    {
        if (line is null || !(line.Contains("level=warn", StringComparison.Ordinal) || line.Contains("level=error", StringComparison.Ordinal)))
        {
            return;
        }
        engineLines.Enqueue(line);
        while (engineLines.Count > 20)
        {
            engineLines.TryDequeue(out _);
        }
    }

    internal async Task StartAsync()
    {
        await Shell.RunAsync("ip", "netns", "add", Name);
        await Shell.RunAsync("ip", "link", "add", Veth, "type", "veth", "peer", "name", "eth0", "netns", Name);
        await Shell.RunAsync("ip", "link", "set", Veth, "master", network.Bridge, "up");
        await Shell.RunAsync("ip", "-n", Name, "addr", "add", $"{Address}/24", "dev", "eth0");
        await Shell.RunAsync("ip", "-n", Name, "link", "set", "eth0", "up");
        await Shell.RunAsync("ip", "-n", Name, "link", "set", "lo", "up");
        await Shell.RunAsync("ip", "-n", Name, "route", "add", "default", "via", network.Gateway);
        await StartDockerAsync();
        await LoadImageAsync(LocalDocker.TestImage);
    }

    /// <summary>Starts this host's dockerd (again, after <see cref="StopDockerAsync"/>).</summary>
    public async Task StartDockerAsync()
    {
        Directory.CreateDirectory(RunDir(Name));
        Directory.CreateDirectory(DataDir(Name));
        var start = new ProcessStartInfo("nsenter")
        {
            ArgumentList =
            {
                $"--net={NetnsPath}", "dockerd",
                "--data-root", $"{DataDir(Name)}/docker", "--exec-root", $"{RunDir(Name)}/exec",
                "--pidfile", $"{RunDir(Name)}/docker.pid", "-H", DockerEndpoint,
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        dockerd = Process.Start(start)!;
        dockerd.OutputDataReceived += (_, e) => KeepEngineLine(e.Data);
        dockerd.ErrorDataReceived += (_, e) => KeepEngineLine(e.Data);
        dockerd.BeginOutputReadLine();
        dockerd.BeginErrorReadLine();
        await Wait.UntilAsync(async () =>
        {
            try
            {
                await Docker.System.PingAsync();
                return true;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException or DockerApiException)
            {
                return dockerd.HasExited ? throw new InvalidOperationException($"dockerd of {Name} exited ({dockerd.ExitCode})") : false;
            }
        }, TimeSpan.FromSeconds(60), $"dockerd of {Name}");
    }

    /// <summary>Stops this host's dockerd as `systemctl stop docker` would (SIGTERM; its containers stop with it).</summary>
    public async Task StopDockerAsync()
    {
        if (dockerd is { HasExited: false })
        {
            await Shell.TryAsync("kill", "-TERM", dockerd.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await dockerd.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                dockerd.Kill(entireProcessTree: true);
                await dockerd.WaitForExitAsync();
            }
        }
    }

    /// <summary>Takes the host's link down or up: a network partition between it and everything else.</summary>
    public async Task SetLinkAsync(bool up) => await Shell.RunAsync("ip", "link", "set", Veth, up ? "up" : "down");

    /// <summary>Runs a command inside the host's network namespace.</summary>
    public async Task<string> RunAsync(params string[] command) =>
        await Shell.RunAsync("nsenter", [$"--net={NetnsPath}", .. command]);

    /// <summary>Starts the real agent inside this host, on this host's dockerd (<see cref="AgentProcess.RegisterAsync"/> for the rest).</summary>
    /// <param name="url">The control plane.</param>
    /// <param name="token">A registration token.</param>
    /// <param name="pollInterval">How often the agent polls without a signal.</param>
    /// <param name="labels">The host's labels.</param>
    /// <param name="toolsFirst">A folder searched before the machine's own for the tools the agent runs (ip, wg, …).</param>
    public async Task<AgentProcess> StartAgentAsync(
        string url, string token, TimeSpan? pollInterval = null, IReadOnlyDictionary<string, string>? labels = null, string? toolsFirst = null) =>
        await AgentProcess.RegisterAsync(url, token, pollInterval, new AgentLaunch(
            ["nsenter", $"--net={NetnsPath}", .. toolsFirst is null ? Array.Empty<string>() : ["env", $"PATH={toolsFirst}:{Environment.GetEnvironmentVariable("PATH")}"]],
            ["--docker", DockerEndpoint, "--hostname", Name, .. (labels ?? new Dictionary<string, string>()).SelectMany(l => new[] { "--label", $"{l.Key}={l.Value}" })]));

    /// <summary>Copies a locally built image from the machine's Docker Engine into this host's.</summary>
    public async Task LoadImageAsync(string image)
    {
        await using var saved = await LocalDocker.Client.Images.SaveImageAsync(image);
        await Docker.Images.LoadImageAsync(new ImageLoadParameters { Quiet = true }, saved, new Progress<JSONMessage>());
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        if (dockerd is { HasExited: false })
        {
            try
            {
                foreach (var container in await Docker.Containers.ListContainersAsync(new ContainersListParameters { All = true }))
                {
                    await Docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or DockerApiException)
            {
                // Torn down below regardless.
            }
        }
        await StopDockerAsync();
        dockerd?.Dispose();
        Docker.Dispose();
        await TearDownAsync(Name);
    }

    /// <summary>Kills whatever runs for a host, unmounts what it left mounted, and deletes its namespace and folders.</summary>
    internal static async Task TearDownAsync(string name)
    {
        // Userspace WireGuard (wireguard-go) lives on in its own process until its interface goes.
        if (File.Exists($"/run/netns/{name}"))
        {
            var (_, links) = await Shell.RunUntilExitAsync(TimeSpan.FromSeconds(5), "ip", "-n", name, "-o", "link");
            foreach (var link in links.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':', 3)).Where(p => p.Length > 1).Select(p => p[1].Trim()))
            {
                if (link.StartsWith("rcw", StringComparison.Ordinal))
                {
                    await Shell.TryAsync("ip", "-n", name, "link", "del", link);
                }
            }
        }
        await Shell.TryAsync("pkill", "-9", "-f", $"{RunDir(name)}/");
        foreach (var mount in File.ReadAllLines("/proc/mounts").Select(l => l.Split(' ')[1])
                     .Where(m => m.StartsWith(RunDir(name), StringComparison.Ordinal) || m.StartsWith(DataDir(name), StringComparison.Ordinal))
                     .OrderByDescending(m => m.Length))
        {
            await Shell.TryAsync("umount", "-l", mount);
        }
        await Shell.TryAsync("ip", "netns", "del", name);
        await Shell.TryAsync("ip", "link", "del", $"{name}v");
        foreach (var dir in new[] { RunDir(name), DataDir(name) })
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
