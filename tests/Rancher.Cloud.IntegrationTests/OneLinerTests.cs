using System.Net;
using Rancher.Cloud.ControlPlane.Environments;
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
        var command = (await api.CreateTokenAsync(envId)).Command;
        Assert.StartsWith($"curl -fsSL {ControlPlane.PublicUrl}/install.sh | sh -s -- --url {ControlPlane.PublicUrl} --token rcr.", command, StringComparison.Ordinal);
        await using var host = await fixture.Network.AddHostAsync();
        var name = $"rca-{host.Name}";
        // As printed, run as root on a machine without sudo, plus what one machine hosting several agents needs.
        var install = command
            + $" --label zone=east --name {name} --docker {host.DockerEndpoint} --hostname {host.Name}";
        try
        {
            var output = await host.RunAsync("sh", "-c", install);
            Assert.Contains("started under a supervisor", output, StringComparison.Ordinal);

            var listed = await Wait.ForAsync(async () =>
                (await api.ItemsAsync<HostDetails>($"environments/{envId}/hosts")).SingleOrDefault(h => h.State == "active"),
                TimeSpan.FromSeconds(60), "the installed host to be active");
            Assert.Equal(host.Name, listed.Hostname);
            Assert.Equal("east", listed.Labels.GetValueOrDefault("zone"));

            // The supervisor restarts a crashed agent, which comes back with its kept credential.
            await host.RunAsync("pkill", "-9", "-f", $"/opt/{name}/Rancher.Cloud.Agent");
            var since = DateTimeOffset.UtcNow;
            await Wait.UntilAsync(async () =>
            {
                var hosts = await api.ItemsAsync<HostDetails>($"environments/{envId}/hosts");
                return hosts.Count == 1 && hosts[0].LastSeen > since;
            }, TimeSpan.FromSeconds(60), "the restarted agent to heartbeat as the same host");

            // A copy of its state on another machine is a clone: both machines heartbeat, the host shows
            // 'conflict' with both, the newcomer stops converging (and never exits); keeping the original
            // sends the copy to register as a new host.
            await using var other = await fixture.Network.AddHostAsync();
            var token = (await api.CreateTokenAsync(envId)).Token;
            await using var clone = AgentProcess.StartCopyOf(ControlPlane.PublicUrl, $"/var/lib/{name}", token, new AgentLaunch(
                ["nsenter", $"--net={other.NetnsPath}"], ["--docker", other.DockerEndpoint, "--heartbeat-interval", "00:00:03"])
            {
                Executable = $"/opt/{name}/Rancher.Cloud.Agent",
            });
            var hostId = listed.Id;
            var conflict = await Wait.ForAsync(async () =>
            {
                var shown = await api.GetOkAsync<HostDetails>($"environments/{envId}/hosts/{hostId}");
                if (shown.State != "conflict")
                {
                    return null;
                }
                Assert.NotNull(shown.Conflict); // a host in conflict names both machines
                return shown.Conflict;
            }, TimeSpan.FromSeconds(90), $"the host to show a conflict; clone log:\n{clone.Log}");
            Assert.Equal(2, conflict.Count);
            await Wait.UntilAsync(() => Task.FromResult(clone.Log.Contains("Not converging", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "the clone to say why it waits");
            Assert.False(clone.HasExited);

            var kept = await Api.OkAsync<HostDetails>(await api.PostAsync($"environments/{envId}/hosts/{hostId}/resolveConflict", new { keep = conflict[0].Incarnation }));
            Assert.NotEqual("conflict", kept.State);
            await Wait.UntilAsync(async () =>
            {
                var hosts = await api.ItemsAsync<HostDetails>($"environments/{envId}/hosts");
                return hosts.Count == 2 && hosts.All(h => h.State == "active");
            }, TimeSpan.FromSeconds(90), $"the copy to register as a second host; clone log:\n{clone.Log}");
            Assert.Contains("registering it as a new host", clone.Log, StringComparison.Ordinal);
            Assert.False(clone.HasExited);
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
        var token = (await api.CreateTokenAsync(envId)).Token;
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
