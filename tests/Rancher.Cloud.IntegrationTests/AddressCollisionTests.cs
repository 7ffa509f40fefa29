using System.Net;
using Rancher.Cloud.ControlPlane.Environments;
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
        Assert.Equal((await a.GetOkAsync<EnvironmentView>($"environments/{envA}")).Cidr, (await b.GetOkAsync<EnvironmentView>($"environments/{envB}")).Cidr);

        await using var agentA = await controlPlane.StartAgentAsync(a, envA);
        var webA = await a.CreateServiceAsync(envA, new { name = "web", image = LocalDocker.TestImage });
        await Services.RunningAsync(a, envA, webA.Id, 1);

        await using var agentB = await controlPlane.StartAgentAsync(b, envB);
        var webB = await b.CreateServiceAsync(envB, new { name = "web", image = LocalDocker.TestImage });
        await Services.RunningAsync(b, envB, webB.Id, 1);

        var subnetA = (await a.GetOkAsync<HostDetails>($"environments/{envA}/hosts/{agentA.HostId}")).Subnet;
        var subnetB = (await b.GetOkAsync<HostDetails>($"environments/{envB}/hosts/{agentB.HostId}")).Subnet;
        Assert.NotEqual(subnetA, subnetB);
        Assert.Equal("active", (await a.GetOkAsync<HostDetails>($"environments/{envA}/hosts/{agentA.HostId}")).State);
    }

    [Fact]
    public async Task A_machine_that_uses_the_whole_network_is_refused_by_range_and_a_later_collision_is_a_conflict()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"ranges-{Guid.NewGuid():N}"[..20]);
        var cidr = (await api.GetOkAsync<EnvironmentView>($"environments/{envId}")).Cidr;
        Assert.NotNull(cidr);
        var facts = new HostFacts("lan-host", "28.2.2", 2, 1L << 30, "Debian", "x86_64");

        var token = (await api.CreateTokenAsync(envId)).Token;
        using var refused = await api.PostAsync("agent/register", new RegistrationRequest(token, facts with { UsedRanges = ["10.0.0.0/8"] }));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("10.0.0.0/8", (await Api.ProblemAsync(refused)).Detail, StringComparison.Ordinal);

        var host = await api.RegisterHostAsync(envId, "later");
        var subnet = (await api.GetOkAsync<HostDetails>($"environments/{envId}/hosts/{host.HostId}")).Subnet;
        using var agent = new Api(controlPlane.Url, host.Credential);
        await Api.OkAsync<HeartbeatResponse>(await agent.PostAsync("agent/heartbeat", new Heartbeat(facts with { UsedRanges = [cidr] }, 0)));

        var shown = await api.GetOkAsync<HostDetails>($"environments/{envId}/hosts/{host.HostId}");
        Assert.Equal("conflict", shown.State);
        Assert.Contains($"{subnet} overlaps {cidr}", shown.AddressConflict, StringComparison.Ordinal);
        var service = await api.CreateServiceAsync(envId, new { name = "web", image = "busybox" });
        Assert.NotNull(service.Placement);
        Assert.Contains(service.Placement.Reasons, r => r.Reason.Contains("overlaps", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_new_environment_takes_a_default_network_clear_of_what_the_tenants_machines_use()
    {
        var tenant = await Tenant.CreateAsync(controlPlane, "lan");
        using var owner = tenant.Client(controlPlane);
        var prod = await owner.CreateEnvironmentAsync("prod");
        var token = (await owner.CreateTokenAsync(prod)).Token;
        var facts = new HostFacts("lan-host", "28.2.2", 2, 1L << 30, "Debian", "x86_64") { UsedRanges = ["10.43.0.0/16"] };
        await Api.OkAsync<RegistrationResponse>(await owner.PostAsync("agent/register", new RegistrationRequest(token, facts)));

        var staging = await Api.OkAsync<EnvironmentView>(await owner.PostAsync("environments", new { name = "staging" }));

        Assert.Equal("10.44.0.0/16", staging.Cidr);
    }
}
