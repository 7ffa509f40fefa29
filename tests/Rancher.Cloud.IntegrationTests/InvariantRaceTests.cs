using System.Net;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Tenancy;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// Every rule the API promises over several rows holds when clients race, by construction
/// (a claim row or an ETag), not by timing:
/// tenant names, environment names, service names, stack names, one /24 per host (name or claim
/// rows); at least one owner per tenant, non-overlapping environment networks, and no service an
/// environment's host-access policy refuses (guard rows).
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class InvariantRaceTests(SelfHostedControlPlane controlPlane)
{
    private const int Racers = 12;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task The_last_two_owners_demoting_each_other_at_once_leave_one_owner(int round)
    {
        var tenant = await Tenant.CreateAsync(controlPlane, $"owners{round}");
        using var first = tenant.Client(controlPlane);
        var ownerId = (await first.ItemsAsync<MemberView>("members"))[0].Id;
        var (secondId, _, secondKey) = await tenant.MemberWithKeyAsync(controlPlane, "owner");
        using var second = new Api(controlPlane.Url, secondKey);

        var answers = await Task.WhenAll(
            first.PatchAsync($"members/{secondId}", new { role = "member" }),
            second.PatchAsync($"members/{ownerId}", new { role = "member" }));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Conflict);
        Assert.Single(await OwnersAsync(answers[0].StatusCode == HttpStatusCode.OK ? first : second));
    }

    [Fact]
    public async Task The_last_two_owners_removing_each_other_at_once_leave_one_owner()
    {
        var tenant = await Tenant.CreateAsync(controlPlane, "removal");
        using var first = tenant.Client(controlPlane);
        var ownerId = (await first.ItemsAsync<MemberView>("members"))[0].Id;
        var (secondId, _, secondKey) = await tenant.MemberWithKeyAsync(controlPlane, "owner");
        using var second = new Api(controlPlane.Url, secondKey);

        var answers = await Task.WhenAll(first.DeleteAsync($"members/{secondId}"), second.DeleteAsync($"members/{ownerId}"));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.NoContent);
        var survivor = answers[0].StatusCode == HttpStatusCode.NoContent ? first : second;
        Assert.Single(await OwnersAsync(survivor));
    }

    [Fact]
    public async Task Environments_created_at_once_get_networks_that_never_overlap()
    {
        var tenant = await Tenant.CreateAsync(controlPlane, "cidrs");
        using var owner = tenant.Client(controlPlane);

        var answers = await Task.WhenAll(Enumerable.Range(0, Racers).Select(i => owner.PostAsync("environments", new { name = $"env-{i}" })));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        var cidrs = new List<string?>();
        foreach (var answer in answers)
        {
            cidrs.Add((await Api.OkAsync<EnvironmentView>(answer)).Cidr);
        }
        Assert.Equal(Racers, cidrs.Distinct().Count());
        Assert.All(cidrs, c => Assert.EndsWith("/16", c, StringComparison.Ordinal)); // distinct /16s cannot overlap
    }

    [Fact]
    public async Task Same_name_races_have_one_winner_for_every_named_resource()
    {
        using var admin = controlPlane.Admin();
        var tenantName = $"race-{Guid.NewGuid():N}"[..20];
        await AssertOneWinnerAsync(() => admin.PostAsync("tenants", new { name = tenantName }));

        var envName = $"race-{Guid.NewGuid():N}"[..20];
        await AssertOneWinnerAsync(() => admin.PostAsync("environments", new { name = envName }));

        var envId = await admin.CreateEnvironmentAsync($"race-{Guid.NewGuid():N}"[..20]);
        await AssertOneWinnerAsync(() => admin.PostAsync($"environments/{envId}/services", new { name = "web", image = "busybox", scale = 0 }));
        await AssertOneWinnerAsync(() => admin.PostAsync($"environments/{envId}/stacks", new { name = "blog", compose = "services:\n  db:\n    image: busybox\n    deploy: {replicas: 0}\n" }));
    }

    [Fact]
    public async Task Hosts_registering_at_once_each_get_their_own_subnet()
    {
        using var admin = controlPlane.Admin();
        var envId = await admin.CreateEnvironmentAsync($"subnets-{Guid.NewGuid():N}"[..20]);

        await Task.WhenAll(Enumerable.Range(0, Racers).Select(i => admin.RegisterHostAsync(envId, $"host-{i}")));

        var subnets = (await admin.ItemsAsync<HostDetails>($"environments/{envId}/hosts")).Select(h => h.Subnet).ToList();
        Assert.Equal(Racers, subnets.Count);
        Assert.Equal(Racers, subnets.Distinct().Count());
    }

    [Fact]
    public async Task A_scale_racing_a_delete_is_a_success_or_a_404_never_a_500()
    {
        using var admin = controlPlane.Admin();
        var envId = await admin.CreateEnvironmentAsync($"patchdel-{Guid.NewGuid():N}"[..20]);
        for (var round = 0; round < 5; round++)
        {
            var id = (await admin.CreateServiceAsync(envId, new { name = $"web-{round}", image = "busybox", scale = 0 })).Id;

            var answers = await Task.WhenAll(
                admin.PatchAsync($"environments/{envId}/services/{id}", new { scale = 1 }),
                admin.DeleteAsync($"environments/{envId}/services/{id}"),
                admin.PatchAsync($"environments/{envId}/services/{id}", new { scale = 2 }));

            Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.NotFound }));
            Assert.Equal(HttpStatusCode.NoContent, answers[1].StatusCode);
        }
    }

    [Fact]
    public async Task Lowering_the_policy_and_adding_a_service_that_needs_it_never_both_win()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"polrace-{Guid.NewGuid():N}"[..20]);
        for (var round = 0; round < 10; round++)
        {
            await Api.OkAsync<EnvironmentView>(await api.PatchAsync($"environments/{envId}", new { policy = "privileged" }));

            var answers = await Task.WhenAll(
                api.PatchAsync($"environments/{envId}", new { policy = "baseline" }),
                api.PostAsync($"environments/{envId}/services", new { name = $"pid-{round}", image = "busybox", scale = 0, hostAccess = new { pid = "host" } }));

            var policy = (await api.GetOkAsync<EnvironmentView>($"environments/{envId}")).Policy;
            var services = await api.ItemsAsync<ServiceView>($"environments/{envId}/services");
            Assert.False(policy == "baseline" && services.Count > 0, $"round {round}: baseline with {services.Count} services needing more ({(int)answers[0].StatusCode}, {(int)answers[1].StatusCode})");
            foreach (var service in services)
            {
                Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"environments/{envId}/services/{service.Id}")).StatusCode);
            }
        }
    }

    [Fact]
    public async Task A_key_for_the_operators_admin_cannot_be_made_in_a_tenant()
    {
        var tenant = await Tenant.CreateAsync(controlPlane, "ghost");
        using var owner = tenant.Client(controlPlane);

        using var response = await owner.PostAsync("apiKeys", new { name = "g", memberId = "admin" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("memberId", Api.Fields(await Api.ProblemAsync(response)));
        Assert.DoesNotContain(await owner.ItemsAsync<ApiKeyView>("apiKeys"), k => k.MemberId == "admin");
    }

    private static async Task AssertOneWinnerAsync(Func<Task<HttpResponseMessage>> create)
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, Racers).Select(_ => create()));
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Created), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
    }

    private static async Task<List<MemberView>> OwnersAsync(Api owner) =>
        (await owner.ItemsAsync<MemberView>("members")).Where(m => m.Role == "owner").ToList();
}
