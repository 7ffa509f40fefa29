using System.Text;
using System.Threading.Channels;
using CliWrap;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Rancher.Cloud.ControlPlane.Acme;

/// <summary>
/// Orders certificates with dehydrated, a well-kept ACME client (Debian's package), so the protocol
/// is not written by hand here. Each order runs in a folder of its own that is gone afterwards:
/// the account key and the signing request are written there, dehydrated signs the request
/// (<c>--signcsr</c>), and its hook hands each challenge back to this process, waiting on stdin until
/// the balancers answer it. The certificate's private key never reaches dehydrated.
/// </summary>
public sealed class Dehydrated(IOptions<ControlPlaneOptions> options, ILogger<Dehydrated> log)
{
    /// <summary>What the hook writes for a challenge to deploy, or one to clean; then it waits for a line on stdin.</summary>
    private const string DeployMark = "@@rancher-deploy";
    private const string CleanMark = "@@rancher-clean";

    /// <summary>
    /// The hook: dehydrated calls it with every challenge at once (HOOK_CHAIN), and goes on when it
    /// exits 0; without an "ok" it exits 1, and the directory is never asked to look.
    /// </summary>
    private const string Hook = """
        #!/bin/sh
        case "$1" in
          deploy_challenge) shift; echo "@@rancher-deploy $*" >&2; read -r reply || exit 1; [ "$reply" = ok ] || exit 1 ;;
          clean_challenge) shift; echo "@@rancher-clean $*" >&2 ;;
        esac
        exit 0

        """;

    /// <summary>
    /// Signs <paramref name="csrPem"/> with the account of <paramref name="accountKeyPem"/> (registered
    /// first; registering again is harmless), calling <paramref name="deploy"/> with the challenges
    /// before the directory checks them and <paramref name="clean"/> after. Returns the certificate and its chain, PEM.
    /// </summary>
    public async Task<string> SignAsync(
        string accountKeyPem, string csrPem,
        Func<IReadOnlyList<AcmeChallenge>, CancellationToken, Task> deploy,
        Func<IReadOnlyList<AcmeChallenge>, CancellationToken, Task> clean,
        CancellationToken ct)
    {
        SweepLeftovers();
        var folder = NewFolder();
        try
        {
            var config = Path.Combine(folder.FullName, "config");
            var account = Path.Combine(folder.FullName, "account.pem");
            var csr = Path.Combine(folder.FullName, "request.csr");
            var hook = Path.Combine(folder.FullName, "hook.sh");
            Directory.CreateDirectory(Path.Combine(folder.FullName, "wellknown"));
            await File.WriteAllTextAsync(config, Config(folder.FullName, hook), ct);
            await File.WriteAllTextAsync(account, accountKeyPem, ct);
            await File.WriteAllTextAsync(csr, csrPem, ct);
            await File.WriteAllTextAsync(hook, Hook.ReplaceLineEndings("\n"), ct);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(account, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            await RunAsync(["--config", config, "--register", "--accept-terms", "--privkey", account], null, null, ct);
            var output = await RunAsync(["--config", config, "--signcsr", csr, "--privkey", account], deploy, clean, ct);
            var start = output.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
            return start >= 0 ? output[start..].Trim() + "\n" : throw new AcmeOrderFailedException("the ACME client returned no certificate");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private const string FolderPrefix = "rancher-acme-";

    private string WorkDir => options.Value.AcmeWorkDir is { Length: > 0 } own ? own : Path.GetTempPath();

    /// <summary>A folder only this process's user may enter: it will hold an account key.</summary>
    private DirectoryInfo NewFolder()
    {
        var path = Path.Combine(WorkDir, FolderPrefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)));
        return OperatingSystem.IsWindows()
            ? Directory.CreateDirectory(path)
            : Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>An order's folder holds the tenant's account key: one a killed process left behind goes at the next order.</summary>
    private void SweepLeftovers()
    {
        if (!Directory.Exists(WorkDir))
        {
            Directory.CreateDirectory(WorkDir);
        }
        foreach (var stale in new DirectoryInfo(WorkDir).EnumerateDirectories(FolderPrefix + "*").Where(d => d.CreationTimeUtc < DateTime.UtcNow - TimeSpan.FromHours(1)))
        {
            try
            {
                stale.Delete(recursive: true);
            }
            catch (IOException e)
            {
                log.LogWarning("Could not remove a left-over ACME folder {Folder}: {Error}", stale.FullName, e.Message);
            }
        }
    }

    private string Config(string folder, string hook)
    {
        var o = options.Value;
        var lines = new StringBuilder()
            .AppendLine(Assign("CA", o.AcmeDirectory))
            .AppendLine(Assign("BASEDIR", folder))
            .AppendLine(Assign("WELLKNOWN", Path.Combine(folder, "wellknown")))
            .AppendLine(Assign("HOOK", hook))
            .AppendLine("HOOK_CHAIN=\"yes\"")
            .AppendLine("CHALLENGETYPE=\"http-01\"");
        // dehydrated passes CURL_OPTS to curl unquoted: a path with a space would split.
        if (o.AcmeCaFile.Any(char.IsWhiteSpace))
        {
            throw new InvalidOperationException("RancherCloud:AcmeCaFile may not contain spaces (the ACME client splits its curl options on them)");
        }
        // A directory that does not answer fails the order in minutes, not curl's default of never.
        lines.AppendLine(Assign("CURL_OPTS", "--connect-timeout 10 --max-time 60" + (string.IsNullOrEmpty(o.AcmeCaFile) ? "" : " --cacert " + o.AcmeCaFile)));
        if (!string.IsNullOrEmpty(o.AcmeContact))
        {
            lines.AppendLine(Assign("CONTACT_EMAIL", o.AcmeContact));
        }
        return lines.ToString();
    }

    /// <summary>dehydrated's config is sourced by bash: a value goes in double quotes, so nothing in it may end or expand them.</summary>
    private static string Assign(string name, string value) =>
        value.Any(c => c is '"' or '$' or '`' or '\\' || char.IsControl(c))
            ? throw new InvalidOperationException($"RancherCloud ACME setting for {name} holds a character the ACME client's config cannot take")
            : $"{name}=\"{value}\"";

    private async Task<string> RunAsync(
        string[] arguments,
        Func<IReadOnlyList<AcmeChallenge>, CancellationToken, Task>? deploy,
        Func<IReadOnlyList<AcmeChallenge>, CancellationToken, Task>? clean,
        CancellationToken ct)
    {
        var replies = Channel.CreateUnbounded<string>();
        var stdout = new StringBuilder();
        var said = new Queue<string>();
        Exception? failed = null;
        async Task OnErrorLine(string line)
        {
            if (line.StartsWith(DeployMark, StringComparison.Ordinal) && deploy is not null)
            {
                try
                {
                    await deploy(Challenges(line[DeployMark.Length..]), ct);
                    await replies.Writer.WriteAsync("ok\n", ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failed = e;
                    await replies.Writer.WriteAsync("no\n", ct);
                }
            }
            else if (line.StartsWith(CleanMark, StringComparison.Ordinal) && clean is not null)
            {
                try
                {
                    await clean(Challenges(line[CleanMark.Length..]), ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Left-over challenges expire on their own; the order itself must not fail for them.
                    log.LogWarning("Could not remove ACME challenges: {Error}", e.Message);
                }
            }
            else
            {
                // The reason comes last: keep the end of what was said.
                said.Enqueue(line);
                if (said.Count > 60)
                {
                    said.Dequeue();
                }
            }
        }
        var stdin = PipeSource.Create(async (destination, token) =>
        {
            await foreach (var reply in replies.Reader.ReadAllAsync(token))
            {
                await destination.WriteAsync(Encoding.ASCII.GetBytes(reply), token);
                await destination.FlushAsync(token);
            }
        });
        var result = await Cli.Wrap(options.Value.AcmeClient)
            .WithArguments(arguments)
            .WithEnvironmentVariables(e => e.Set("LC_ALL", "C"))
            .WithStandardInputPipe(stdin)
            .WithStandardOutputPipe(PipeTarget.ToStringBuilder(stdout))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(OnErrorLine))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(ct);
        replies.Writer.TryComplete();
        if (result.ExitCode == 0)
        {
            return stdout.ToString();
        }
        if (failed is not null)
        {
            throw new AcmeOrderFailedException(Bounded(failed is AcmeOrderFailedException ? failed.Message : "the challenge could not be put in place: " + failed.Message));
        }
        log.LogWarning("ACME client exited {Code}: {Said}", result.ExitCode, string.Join(" | ", said));
        var why = Why([.. said, .. stdout.ToString().Split('\n')]);
        throw new AcmeOrderFailedException(why.Length > 0 ? Bounded(why) : $"the ACME client exited with {result.ExitCode}");
    }

    /// <summary>
    /// What the client said went wrong: its error line, and the directory's own detail when it
    /// gave one (dehydrated prints the answer flattened, a <c>["error","detail"]</c> line per field).
    /// </summary>
    private static string Why(IReadOnlyList<string> lines)
    {
        var error = lines.Select(l => l.TrimStart(' ', '+')).FirstOrDefault(l => l.StartsWith("ERROR:", StringComparison.Ordinal));
        var detail = lines.Select(Detail).FirstOrDefault(d => d is not null);
        var head = error is null ? "" : error["ERROR:".Length..].Split(" (", 2)[0].Trim();
        return string.Join(": ", new[] { head, detail }.Where(t => !string.IsNullOrEmpty(t)));
    }

    /// <summary>The directory's <c>detail</c>, from a flattened line (<c>["error","detail"]	"…"</c>) or its JSON (<c>"detail": "…"</c>).</summary>
    private static string? Detail(string line)
    {
        var at = line.IndexOf("\"detail\"", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }
        var rest = line[(at + "\"detail\"".Length)..].TrimStart(']', ':', ' ', '\t');
        return rest.Length > 1 && rest[0] == '"'
            ? rest[1..].TrimEnd(',', ' ').TrimEnd('"').TrimEnd('\\').Replace("\\\"", "\"", StringComparison.Ordinal)
            : null;
    }

    private static string Bounded(string text) => text.Length <= 1000 ? text : text[..1000] + "…";

    /// <summary>The hook's arguments: hostname, token and key authorization, for each challenge.</summary>
    private static List<AcmeChallenge> Challenges(string arguments)
    {
        var words = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return Enumerable.Range(0, words.Length / 3).Select(i => new AcmeChallenge(words[3 * i], words[(3 * i) + 1], words[(3 * i) + 2])).ToList();
    }
}
