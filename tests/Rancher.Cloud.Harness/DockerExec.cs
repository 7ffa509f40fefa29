using Docker.DotNet;
using Docker.DotNet.Models;

namespace Rancher.Cloud.Harness;

/// <summary>Runs a command inside a container, as <c>docker exec</c> does, and hands back its exit code and output.</summary>
public static class DockerExec
{
    public static async Task<(long ExitCode, string Output)> RunAsync(IDockerClient docker, string containerId, params string[] command)
    {
        var exec = await docker.Exec.CreateContainerExecAsync(containerId,
            new ContainerExecCreateParameters { Cmd = command, AttachStdout = true, AttachStderr = true });
        string output;
        using (var stream = await docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), default))
        {
            var (stdout, stderr) = await stream.ReadOutputToEndAsync(default);
            output = stdout + stderr;
        }
        return ((await docker.Exec.InspectContainerExecAsync(exec.ID)).ExitCode ?? -1, output);
    }
}
