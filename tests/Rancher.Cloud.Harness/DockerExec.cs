using Docker.DotNet;
using Rancher.Cloud.Agent;

namespace Rancher.Cloud.Harness;

/// <summary>Runs a command inside a container (the agent's own <see cref="ContainerExec"/>), for tests to look from inside.</summary>
public static class DockerExec
{
    public static Task<(long ExitCode, string Output)> RunAsync(IDockerClient docker, string containerId, params string[] command) =>
        ContainerExec.RunAsync(docker, containerId, command, CancellationToken.None);
}
