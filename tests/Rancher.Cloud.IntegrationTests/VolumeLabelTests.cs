using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>A named volume's labels, asked through the API, are on the volume Docker creates.</summary>
[Collection(SystemCollection.Name)]
public sealed class VolumeLabelTests(SelfHostedControlPlane controlPlane)
{
    [Fact]
    public async Task A_named_volume_is_created_with_the_labels_the_service_asks_for()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"vol-{Guid.NewGuid():N}"[..20]);
        await using var agent = await controlPlane.StartAgentAsync(api, envId);
        var volume = $"rancher-cloud-test-{Guid.NewGuid():N}"[..32];

        var service = (await api.CreateServiceAsync(envId, new
        {
            name = "db", image = LocalDocker.TestImage, command = new[] { "sleep", "3600" },
            volumes = new[] { new { type = "volume", source = volume, target = "/data", labels = new Dictionary<string, string> { ["com.example.backup"] = "nightly" } } },
        })).Id;
        await Services.RunningAsync(api, envId, service, 1);
        try
        {
            var created = await LocalDocker.Client.Volumes.InspectAsync(volume);
            Assert.Equal("nightly", created.Labels["com.example.backup"]);
        }
        finally
        {
            Assert.True((await api.DeleteAsync($"environments/{envId}/services/{service}")).IsSuccessStatusCode);
            await Wait.UntilAsync(async () => (await LocalDocker.OfServiceAsync(agent.HostId, service)).Count == 0, Services.Converge, "the service's container to go");
            await LocalDocker.Client.Volumes.RemoveAsync(volume, force: true);
        }
    }
}
