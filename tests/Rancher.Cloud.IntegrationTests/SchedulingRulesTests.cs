using System.Net;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>Placement rules given through the API: followed, explained when they cannot be, refused when malformed.</summary>
[Collection(SystemCollection.Name)]
public sealed class SchedulingRulesTests(SelfHostedControlPlane controlPlane)
{
    [Fact]
    public async Task Host_label_and_anti_affinity_rules_place_and_explain()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"rules-{Guid.NewGuid():N}"[..20]);
        var east = await api.RegisterHostAsync(envId, "east-1", new Dictionary<string, string> { ["zone"] = "east" });
        var west = await api.RegisterHostAsync(envId, "west-1", new Dictionary<string, string> { ["zone"] = "west" });

        var pinned = await api.CreateServiceAsync(envId, new
        {
            name = "pinned", image = "busybox", scale = 2,
            scheduling = new { hostLabels = new[] { new { key = "zone", value = "west" } } },
        });
        Assert.All(pinned.Instances, i => Assert.Equal(west.HostId, i.HostId));

        var spread = await api.CreateServiceAsync(envId, new
        {
            name = "quorum", image = "busybox", scale = 3,
            scheduling = new { affinity = new[] { new { service = "quorum", anti = true } } },
        });
        Assert.Equal(2, spread.Instances.Count);
        Assert.Equal("degraded", spread.State);
        Assert.NotNull(spread.Placement);
        var reasons = spread.Placement.Reasons;
        Assert.Equal(new[] { east.HostId, west.HostId }.Order(StringComparer.Ordinal), reasons.Select(r => r.HostId).Order(StringComparer.Ordinal));
        Assert.All(reasons, r => Assert.Equal("runs an instance of 'quorum' (anti-affinity)", r.Reason));
    }

    [Fact]
    public async Task Malformed_rules_are_refused_by_field()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"badrules-{Guid.NewGuid():N}"[..20]);

        using var response = await api.PostAsync($"environments/{envId}/services", new
        {
            name = "web", image = "busybox",
            scheduling = new
            {
                hostLabels = new[] { new { key = "zone", value = "east", op = "gt" } },
                affinity = new[] { new { service = "Not A Name" } },
                reservations = new { cpus = -1 },
            },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var fields = Api.Fields(await Api.ProblemAsync(response));
        Assert.Contains("scheduling.hostLabels[0].op", fields);
        Assert.Contains("scheduling.affinity[0].service", fields);
        Assert.Contains("scheduling.reservations.cpus", fields);
    }
}
