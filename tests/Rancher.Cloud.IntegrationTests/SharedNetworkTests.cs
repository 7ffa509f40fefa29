using Docker.DotNet.Models;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary><c>service:x</c> on a real engine: the container shares x's network namespace, and follows x's container when it is made anew.</summary>
[Collection(SystemCollection.Name)]
public sealed class SharedNetworkTests(SelfHostedControlPlane controlPlane)
{
    [Fact]
    public async Task A_service_on_anothers_network_reaches_it_on_localhost_and_follows_its_container()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"join-{Guid.NewGuid():N}"[..20]);
        await using var agent = await controlPlane.StartAgentAsync(api, envId);

        // The probe is created first: it waits for web, then joins it.
        var probe = (await api.CreateServiceAsync(envId, new
        {
            name = "probe", image = LocalDocker.TestImage, command = new[] { "sleep", "3600" }, run = new { networkMode = "service:web" },
        })).Id;
        var web = (await api.CreateServiceAsync(envId, new { name = "web", image = LocalDocker.TestImage })).Id;
        var webContainer = Services.ContainerOf((await Services.RunningAsync(api, envId, web, 1))[0]);
        var probeInstance = (await Services.RunningAsync(api, envId, probe, 1))[0];
        Assert.Null(probeInstance.Address);
        var probeContainer = Services.ContainerOf(probeInstance);
        Assert.Equal($"container:{webContainer}", (await InspectAsync(probeContainer)).HostConfig!.NetworkMode);
        Assert.Contains("rancher-cloud-test web", await FetchLocalAsync(probeContainer), StringComparison.Ordinal);

        // Web's container is removed behind the platform's back: the agent makes it anew, and the probe anew on its network.
        await LocalDocker.Client.Containers.RemoveContainerAsync(webContainer, new ContainerRemoveParameters { Force = true });
        var rejoined = await Wait.ForAsync(async () =>
        {
            var wid = Services.ContainerOf((await Services.RunningAsync(api, envId, web, 1))[0]);
            var pid = Services.ContainerOf((await Services.RunningAsync(api, envId, probe, 1))[0]);
            return wid != webContainer && pid != probeContainer && (await InspectAsync(pid)).HostConfig!.NetworkMode == $"container:{wid}"
                ? pid
                : null;
        }, Services.Converge, "web's new container and the probe joined to it");
        Assert.Contains("rancher-cloud-test web", await FetchLocalAsync(rejoined), StringComparison.Ordinal);

        // Web's container restarts in place (same id, a new network namespace): the probe is made anew on it too.
        var sameWeb = Services.ContainerOf((await Services.RunningAsync(api, envId, web, 1))[0]);
        await LocalDocker.Client.Containers.RestartContainerAsync(sameWeb, new ContainerRestartParameters { WaitBeforeKillSeconds = 1 });
        var again = await Wait.ForAsync(async () =>
        {
            var pid = Services.ContainerOf((await Services.RunningAsync(api, envId, probe, 1))[0]);
            return pid != rejoined ? pid : null;
        }, Services.Converge, "the probe made anew on web's restarted container");
        Assert.Contains("rancher-cloud-test web", await FetchLocalAsync(again), StringComparison.Ordinal);
    }

    private static async Task<ContainerInspectResponse> InspectAsync(string id) => await LocalDocker.Client.Containers.InspectContainerAsync(id);

    /// <summary>GET / on 127.0.0.1:80 from inside the container: only a shared network namespace has web listening there.</summary>
    private static async Task<string> FetchLocalAsync(string container)
    {
        var (code, text) = await DockerExec.RunAsync(LocalDocker.Client, container, "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 127.0.0.1 80");
        Assert.True(code == 0, $"nc exited with {code}: {text}");
        return text;
    }
}
