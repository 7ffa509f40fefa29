using System.Net;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Harness;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// A host's /24 never collides with what its machine already uses: two tenants' agents on one
/// machine and one Docker Engine both run containers; a machine that uses the whole network is
/// refused by range; a range that appears later shows the host in conflict.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class AddressCollisionTests(SelfHostedControlPlane controlPlane)
{
    [Fact]
    public async Task Two_tenants_agents_on_one_machine_get_subnets_clear_of_each_other_and_both_run()
    {
        var first = await Tenant.CreateAsync(controlPlane, "collide-a");
        var second = await Tenant.CreateAsync(controlPlane, "collide-b");
        using var a = first.Client(controlPlane);
        using var b = second.Client(controlPlane);
        var envA = await a.CreateEnvironmentAsync("prod");
        var envB = await b.CreateEnvironmentAsync("prod");
        Assert.Equal((string?)(await a.GetOkAsync($"environments/{envA}"))["cidr"], (string?)(await b.GetOkAsync($"environments/{envB}"))["cidr"]);

        await using var agentA = await controlPlane.StartAgentAsync(a, envA);
        var webA = await a.CreateServiceAsync(envA, new { name = "web", image = LocalDocker.TestImage });
        await Services.RunningAsync(a, envA, (string)webA["id"]!, 1);

        await using var agentB = await controlPlane.StartAgentAsync(b, envB);
        var webB = await b.CreateServiceAsync(envB, new { name = "web", image = LocalDocker.TestImage });
        await Services.RunningAsync(b, envB, (string)webB["id"]!, 1);

        var subnetA = (string)(await a.GetOkAsync($"environments/{envA}/hosts/{agentA.HostId}"))["subnet"]!;
        var subnetB = (string)(await b.GetOkAsync($"environments/{envB}/hosts/{agentB.HostId}"))["subnet"]!;
        Assert.NotEqual(subnetA, subnetB);
        Assert.Equal("active", (string?)(await a.GetOkAsync($"environments/{envA}/hosts/{agentA.HostId}"))["state"]);
    }

    [Fact]
    public async Task A_machine_that_uses_the_whole_network_is_refused_by_range_and_a_later_collision_is_a_conflict()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"ranges-{Guid.NewGuid():N}"[..20]);
        var cidr = (string)(await api.GetOkAsync($"environments/{envId}"))["cidr"]!;
        var facts = new HostFacts("lan-host", "28.2.2", 2, 1L << 30, "Debian", "x86_64");

        var token = (string)(await api.CreateTokenAsync(envId))["token"]!;
        using var refused = await api.PostAsync("agent/register", new RegistrationRequest(token, facts with { UsedRanges = ["10.0.0.0/8"] }));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("10.0.0.0/8", (await Api.ProblemAsync(refused)).Detail, StringComparison.Ordinal);

        var host = await api.RegisterHostAsync(envId, "later");
        var subnet = (string)(await api.GetOkAsync($"environments/{envId}/hosts/{host.HostId}"))["subnet"]!;
        using var agent = new Api(controlPlane.Url, host.Credential);
        await Api.OkAsync(await agent.PostAsync("agent/heartbeat", new Heartbeat(facts with { UsedRanges = [cidr] }, 0)));

        var shown = await api.GetOkAsync($"environments/{envId}/hosts/{host.HostId}");
        Assert.Equal("conflict", (string?)shown["state"]);
        Assert.Contains($"{subnet} overlaps {cidr}", (string?)shown["addressConflict"], StringComparison.Ordinal);
        var service = await api.CreateServiceAsync(envId, new { name = "web", image = "busybox" });
        Assert.Contains(service["placement"]!["reasons"]!.AsArray(), r => ((string?)r!["reason"] ?? "").Contains("overlaps", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_new_environment_takes_a_default_network_clear_of_what_the_tenants_machines_use()
    {
        var tenant = await Tenant.CreateAsync(controlPlane, "lan");
        using var owner = tenant.Client(controlPlane);
        var prod = await owner.CreateEnvironmentAsync("prod");
        var token = (string)(await owner.CreateTokenAsync(prod))["token"]!;
        var facts = new HostFacts("lan-host", "28.2.2", 2, 1L << 30, "Debian", "x86_64") { UsedRanges = ["10.43.0.0/16"] };
        await Api.OkAsync(await owner.PostAsync("agent/register", new RegistrationRequest(token, facts)));

        var staging = await Api.OkAsync(await owner.PostAsync("environments", new { name = "staging" }));

        Assert.Equal("10.44.0.0/16", (string?)staging["cidr"]);
    }
}
