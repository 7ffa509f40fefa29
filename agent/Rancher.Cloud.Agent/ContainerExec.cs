using Docker.DotNet;
using Docker.DotNet.Models;

namespace Rancher.Cloud.Agent;

/// <summary>Runs a command inside a container, as <c>docker exec</c> does: its exit code and what it printed.</summary>
public static class ContainerExec
{
    public static async Task<(long ExitCode, string Output)> RunAsync(IDockerClient docker, string containerId, IList<string> command, CancellationToken ct)
    {
        var exec = await docker.Exec.CreateContainerExecAsync(containerId,
            new ContainerExecCreateParameters { Cmd = command, AttachStdout = true, AttachStderr = true }, ct);
        string output;
        using (var stream = await docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), ct))
        {
            var (stdout, stderr) = await stream.ReadOutputToEndAsync(ct);
            output = stdout + stderr;
        }
        return ((await docker.Exec.InspectContainerExecAsync(exec.ID, ct)).ExitCode ?? -1, output);
    }
}
