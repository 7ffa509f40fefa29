using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Rancher.Cloud.Harness;

/// <summary>
/// The real agent, started as its own process (as it runs on a customer's host) against the
/// local Docker Engine, with its own state folder. Disposing it kills it and removes the
/// containers it owned.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> output = new();
    private readonly string url;
    private readonly TimeSpan pollInterval;
    private readonly AgentLaunch launch;
    private Process? process;

    private AgentProcess(string url, string stateDir, TimeSpan pollInterval, AgentLaunch launch)
    {
        this.url = url;
        this.pollInterval = pollInterval;
        this.launch = launch;
        StateDir = stateDir;
    }

    public string StateDir { get; }

    public string HostId { get; private set; } = "";

    public string Credential { get; private set; } = "";

    public string Log => string.Join(Environment.NewLine, output);

    /// <summary>Starts a new agent that registers with <paramref name="token"/>, and waits until it has.</summary>
    /// <param name="url">The control plane.</param>
    /// <param name="token">A registration token.</param>
    /// <param name="pollInterval">How often the agent polls without a signal; 3 s unless given.</param>
    /// <param name="launch">How to start it (e.g. inside a network namespace); on the local Docker Engine unless given.</param>
    public static async Task<AgentProcess> RegisterAsync(string url, string token, TimeSpan? pollInterval = null, AgentLaunch? launch = null)
    {
        var agent = new AgentProcess(
            url, Directory.CreateTempSubdirectory("rancher-cloud-agent-").FullName, pollInterval ?? TimeSpan.FromSeconds(3), launch ?? AgentLaunch.Local);
        agent.Start(token);
        await agent.WaitForIdentityAsync();
        return agent;
    }

    /// <summary>
    /// Starts an agent with a copy of another agent's state folder, as a cloned machine would
    /// (the same identity, credential and keys); <paramref name="token"/> lets it register anew.
    /// </summary>
    public static AgentProcess StartCopyOf(string url, string stateDir, string? token, AgentLaunch launch)
    {
        var copy = Directory.CreateTempSubdirectory("rancher-cloud-clone-").FullName;
        foreach (var file in Directory.GetFiles(stateDir))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }
        var agent = new AgentProcess(url, copy, TimeSpan.FromSeconds(3), launch);
        agent.Start(token);
        return agent;
    }

    /// <summary>Starts the agent again with the identity it kept; no token.</summary>
    public void Restart()
    {
        Kill();
        Start(token: null);
    }

    public void Start(string? token)
    {
        var dll = Repo.Output("agent/Rancher.Cloud.Agent", "Rancher.Cloud.Agent.dll");
        string[] program = launch.Executable is { } executable ? [executable] : ["dotnet", dll];
        string[] command = [.. launch.Prefix, .. program, "--url", url, "--state-dir", StateDir, "--poll-interval", pollInterval.ToString(), .. launch.Arguments];
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in command[1..])
        {
            start.ArgumentList.Add(arg);
        }
        if (token is not null)
        {
            start.ArgumentList.Add("--token");
            start.ArgumentList.Add(token);
        }
        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public bool HasExited => process?.HasExited ?? true;

    /// <summary>The agent's process id (for footprint sampling).</summary>
    public int ProcessId => process!.Id;

    public int ExitCode => process!.ExitCode;

    /// <summary>Kills the agent at once (SIGKILL), as a crash or power loss would.</summary>
    public void Kill()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            output.Enqueue(line);
        }
    }

    private async Task WaitForIdentityAsync()
    {
        var path = Path.Combine(StateDir, "identity.json");
        await Wait.UntilAsync(() => Task.FromResult(File.Exists(path) || HasExited), TimeSpan.FromSeconds(60), "the agent to register");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException("The agent exited without registering:\n" + Log);
        }
        using var identity = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        HostId = identity.RootElement.GetProperty("hostId").GetString()!;
        Credential = identity.RootElement.GetProperty("credential").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        process?.Dispose();
        if (HostId.Length > 0 && launch.IsOnThisMachine)
        {
            await LocalDocker.RemoveOwnedByAsync(HostId);
            // Its tunnel outlives it by design; a test's agent is gone for good.
            await Shell.TryAsync("ip", "link", "del", Agent.Networking.Tunnel.InterfaceName(HostId));
        }
        Directory.Delete(StateDir, recursive: true);
    }
}

/// <summary>How an agent process is started: a command prefix (e.g. nsenter) and extra agent arguments.</summary>
public sealed record AgentLaunch(IReadOnlyList<string> Prefix, IReadOnlyList<string> Arguments)
{
    /// <summary>A published agent executable to run instead of <c>dotnet Rancher.Cloud.Agent.dll</c>.</summary>
    public string? Executable { get; init; }

    /// <summary>On this machine's own network and Docker Engine.</summary>
    public static AgentLaunch Local { get; } = new([], []);

    /// <summary>Whether the agent works on this machine's own network and Docker Engine (published or not).</summary>
    public bool IsOnThisMachine => Prefix.Count == 0 && !Arguments.Contains("--docker");
}
