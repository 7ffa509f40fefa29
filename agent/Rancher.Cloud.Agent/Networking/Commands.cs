using CliWrap;
using CliWrap.Buffered;

namespace Rancher.Cloud.Agent.Networking;

/// <summary>The host's own networking tools (ip, wg, iptables, wireguard-go), run with CliWrap.</summary>
public static class Commands
{
    /// <summary>None of these tools should take more than a moment; one that hangs must not hold up the agent.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs a command; throws with its error output when it fails.</summary>
    public static async Task<string> RunAsync(string program, IEnumerable<string> arguments, CancellationToken ct, string? input = null)
    {
        var result = await TryAsync(program, arguments, ct, input);
        return result.ExitCode == 0
            ? result.StandardOutput
            : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {result.StandardError.Trim()}");
    }

    /// <summary>Runs a command and hands back its result, failed or not.</summary>
    public static async Task<BufferedCommandResult> TryAsync(string program, IEnumerable<string> arguments, CancellationToken ct, string? input = null)
    {
        var command = Cli.Wrap(program).WithArguments(arguments).WithValidation(CommandResultValidation.None);
        if (input is not null)
        {
            command = command.WithStandardInputPipe(PipeSource.FromString(input));
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        try
        {
            return await command.ExecuteBufferedAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: did not finish within {Timeout.TotalSeconds:0} s");
        }
    }
}
