using CliWrap;
using CliWrap.Buffered;

namespace Rancher.Cloud.Agent.Networking;

/// <summary>The host's own networking tools (ip, wg, iptables, wireguard-go), run with CliWrap.</summary>
public static class Commands
{
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
        return await command.ExecuteBufferedAsync(ct);
    }
}
