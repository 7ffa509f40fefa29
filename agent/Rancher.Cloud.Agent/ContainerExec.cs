using Docker.DotNet;
using Docker.DotNet.Models;

namespace Rancher.Cloud.Agent;

/// <summary>Runs a command inside a container, as <c>docker exec</c> does: its exit code and what it printed.</summary>
public static class ContainerExec
{
    /// <summary>Characters of output kept: plenty for a check's verdict or HAProxy's reasons.</summary>
    public const int MaxOutput = 64 * 1024;

    public static async Task<(long ExitCode, string Output)> RunAsync(IDockerClient docker, string containerId, IList<string> command, CancellationToken ct)
    {
        var exec = await docker.Exec.CreateContainerExecAsync(containerId,
            new ContainerExecCreateParameters { Cmd = command, AttachStdout = true, AttachStderr = true }, ct);
        var output = new System.Text.StringBuilder();
        using (var stream = await docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), ct))
        {
            // What a command prints is the container's to choose: the first part is kept, the rest read and dropped.
            var buffer = new byte[16384];
            for (var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, ct); !read.EOF; read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, ct))
            {
                if (output.Length < MaxOutput)
                {
                    output.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, Math.Min(read.Count, MaxOutput - output.Length)));
                }
            }
        }
        return ((await docker.Exec.InspectContainerExecAsync(exec.ID, ct)).ExitCode ?? -1, output.ToString());
    }
}
