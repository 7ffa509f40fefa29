using System.Net;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// The install one-liner, run as a customer would on a fresh host: a network namespace with
/// its own dockerd, reaching the control plane over the bridge.
/// </summary>
[Collection(MultiHostCollection.Name)]
public sealed class OneLinerTests(MultiHostFixture fixture)
{
    private SelfHostedControlPlane ControlPlane => fixture.ControlPlane;

    [Fact]
    public async Task The_one_liner_installs_a_supervised_agent_that_registers_once_and_refuses_clones()
    {
        using var api = ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"oneliner-{Guid.NewGuid():N}"[..20]);
        var command = (string)(await api.CreateTokenAsync(envId))["command"]!;
        Assert.StartsWith($"curl -fsSL {ControlPlane.PublicUrl}/install.sh | sudo sh -s -- --url {ControlPlane.PublicUrl} --token rcr.", command, StringComparison.Ordinal);
        await using var host = await fixture.Network.AddHostAsync();
        var name = $"rca-{host.Name}";
        // Root already: the same pipeline without sudo, plus what one machine hosting several agents needs.
        var install = command.Replace("| sudo sh", "| sh", StringComparison.Ordinal)
            + $" --label zone=east --name {name} --docker {host.DockerEndpoint} --hostname {host.Name}";
        try
        {
            var output = await host.RunAsync("sh", "-c", install);
            Assert.Contains("started under a supervisor", output, StringComparison.Ordinal);

            var listed = await Wait.ForAsync(async () =>
                (await api.GetOkAsync($"environments/{envId}/hosts"))["items"]!.AsArray().SingleOrDefault(h => (string?)h!["state"] == "active"),
                TimeSpan.FromSeconds(60), "the installed host to be active");
            Assert.Equal(host.Name, (string?)listed["hostname"]);
            Assert.Equal("east", (string?)listed["labels"]!["zone"]);

            // The supervisor restarts a crashed agent, which comes back with its kept credential.
            await host.RunAsync("pkill", "-9", "-f", $"/opt/{name}/Rancher.Cloud.Agent");
            var since = DateTimeOffset.UtcNow;
            await Wait.UntilAsync(async () =>
            {
                var hosts = (await api.GetOkAsync($"environments/{envId}/hosts"))["items"]!.AsArray();
                return hosts.Count == 1 && DateTimeOffset.Parse((string)hosts[0]!["lastSeen"]!, System.Globalization.CultureInfo.InvariantCulture) > since;
            }, TimeSpan.FromSeconds(60), "the restarted agent to heartbeat as the same host");

            // A copy of its state on another machine is a clone: refused, and the host stays one.
            await using var other = await fixture.Network.AddHostAsync();
            var cloneState = Directory.CreateTempSubdirectory("rancher-cloud-clone-").FullName;
            foreach (var file in Directory.GetFiles($"/var/lib/{name}"))
            {
                File.Copy(file, Path.Combine(cloneState, Path.GetFileName(file)));
            }
            var clone = await Shell.RunUntilExitAsync(
                TimeSpan.FromSeconds(60), "nsenter", $"--net={other.NetnsPath}", $"/opt/{name}/Rancher.Cloud.Agent",
                "--url", ControlPlane.PublicUrl, "--state-dir", cloneState, "--docker", other.DockerEndpoint);
            Assert.Equal(2, clone.ExitCode);
            Assert.Contains("clone", clone.Output, StringComparison.Ordinal);
            Assert.Single((await api.GetOkAsync($"environments/{envId}/hosts"))["items"]!.AsArray());
        }
        catch (Exception e) when (File.Exists($"/var/log/{name}.log"))
        {
            throw new InvalidOperationException($"{e.Message}\nagent log:\n{await File.ReadAllTextAsync($"/var/log/{name}.log")}", e);
        }
        finally
        {
            await host.RunAsync("sh", "-c", $"curl -fsSL {ControlPlane.PublicUrl}/install.sh | sh -s -- --uninstall --name {name}");
        }
        Assert.False(Directory.Exists($"/opt/{name}"));
    }

    [Fact]
    public async Task Other_architectures_are_refused_clearly()
    {
        using var api = ControlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"arch-{Guid.NewGuid():N}"[..20]);
        var token = (string)(await api.CreateTokenAsync(envId))["token"]!;
        var fakeBin = Directory.CreateTempSubdirectory("rancher-cloud-arm-").FullName;
        await File.WriteAllTextAsync(Path.Combine(fakeBin, "uname"), "#!/bin/sh\necho aarch64\n");
        File.SetUnixFileMode(Path.Combine(fakeBin, "uname"), UnixFileMode.UserRead | UnixFileMode.UserExecute);

        var run = await Shell.RunUntilExitAsync(TimeSpan.FromSeconds(30), "sh", "-c",
            $"curl -fsSL {ControlPlane.Url}/install.sh | PATH={fakeBin}:$PATH sh -s -- --url {ControlPlane.Url} --token {token} --name rca-arm");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("architecture aarch64 is not supported", run.Output, StringComparison.Ordinal);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{ControlPlane.Url}/downloads/agent/linux-arm64.tar.gz")).StatusCode);
    }
}
