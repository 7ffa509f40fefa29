using CliWrap;
using CliWrap.Buffered;

namespace Rancher.Cloud.Harness;

/// <summary>Runs the host tools the harness builds hosts with (ip, iptables, nsenter), through CliWrap.</summary>
public static class Shell
{
    /// <summary>Runs a command and returns its output; throws with its stderr when it fails.</summary>
    public static async Task<string> RunAsync(string program, params string[] args)
    {
        var result = await Cli.Wrap(program).WithArguments(args).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({result.ExitCode}): {result.StandardError.Trim()}");
        }
        return result.StandardOutput;
    }

    /// <summary>Runs a command to its end (or kills it after <paramref name="timeout"/>), returning its exit code and all it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(TimeSpan timeout, string program, params string[] args)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var result = await Cli.Wrap(program).WithArguments(args).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancel.Token);
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }

    /// <summary>Runs a command whose failure is acceptable (cleanup of what may not exist).</summary>
    public static async Task<bool> TryAsync(string program, params string[] args) =>
        (await Cli.Wrap(program).WithArguments(args).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync()).ExitCode == 0;
}
