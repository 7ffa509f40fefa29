using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Agents;
using Rancher.Cloud.ControlPlane.Http;

namespace Rancher.Cloud.Functions;

/// <summary>
/// What the install one-liner fetches, without a key (nothing secret in either).
/// GET install.sh · GET downloads/agent/{package} (e.g. linux-x64.tar.gz)
/// </summary>
public sealed class AgentDownloadsApi(AgentDownloads downloads)
{
    [Function(nameof(InstallScript))]
    [Access(Audience.Anonymous)]
    [Operation("The agent install script the one-liner pipes into sh", ContentType = "text/x-shellscript")]
    public IResult InstallScript(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "install.sh")] HttpRequest req) =>
        Results.Text(downloads.InstallScript, "text/x-shellscript");

    [Function(nameof(AgentDownload))]
    [Access(Audience.Anonymous)]
    [Operation("The agent package for an architecture (linux-x64.tar.gz)", ContentType = "application/gzip")]
    public IResult AgentDownload(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "downloads/agent/{package}")] HttpRequest req, string package) =>
        ApiResults.From(downloads.OpenPackage(package), stream => Results.Stream(stream, "application/gzip", package));
}
