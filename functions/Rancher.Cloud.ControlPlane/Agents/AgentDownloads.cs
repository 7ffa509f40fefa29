using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.ControlPlane.Agents;

/// <summary>
/// What a new host downloads: the install script, and the agent package for its architecture,
/// deployed alongside the control plane. Neither holds a secret; the token travels on the command line.
/// </summary>
public sealed class AgentDownloads(IOptions<ControlPlaneOptions> options, ILogger<AgentDownloads> log)
{
    /// <summary>Architectures the agent is built for.</summary>
    public static readonly IReadOnlyList<string> Architectures = ["linux-x64"];

    private static readonly Lazy<string> Script = new(() =>
    {
        using var stream = typeof(AgentDownloads).Assembly.GetManifestResourceStream("install.sh")
            ?? throw new InvalidOperationException("install.sh is not embedded in the control plane.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public string InstallScript => Script.Value;

    /// <summary>The package <c>{rid}.tar.gz</c>, opened for reading.</summary>
    public Outcome<Stream> OpenPackage(string package)
    {
        const string suffix = ".tar.gz";
        var rid = package.EndsWith(suffix, StringComparison.Ordinal) ? package[..^suffix.Length] : "";
        if (!Architectures.Contains(rid))
        {
            return new Failure(FailureKind.NotFound, $"No agent is built for '{package}'; available: {string.Join(", ", Architectures.Select(a => a + suffix))}.");
        }
        var dir = Path.Combine(AppContext.BaseDirectory, options.Value.AgentPackageDir);
        var path = Path.Combine(dir, $"rancher-cloud-agent-{rid}.tar.gz");
        if (!File.Exists(path))
        {
            log.LogError("Agent package {Path} is not deployed; run scripts/publish-agent.sh", path);
            return new Failure(FailureKind.NotFound, $"The {rid} agent package is not deployed with this control plane.");
        }
        return File.OpenRead(path);
    }
}
