using System.Net;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Tenancy;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>Tenants, members, roles, keys and the audit log, as an operator and a customer use them.</summary>
[Collection(SystemCollection.Name)]
public sealed class TenancyTests(SelfHostedControlPlane controlPlane)
{
    [Fact]
    public async Task A_tenant_comes_with_an_owner_key_that_is_shown_once_and_stored_hashed()
    {
        var tenant = await Tenant.CreateAsync(controlPlane, "acme");
        using var owner = tenant.Client(controlPlane);

        // Read as sent as well: a secret in a field the view does not declare would not show in the typed read.
        var listed = await Api.OkTextAsync(await owner.GetAsync("apiKeys"));
        var ownerKey = Assert.Single(Api.Read<Page<ApiKeyView>>(listed).Items);
        Assert.Equal("owner", ownerKey.Role);
        Assert.DoesNotContain(tenant.OwnerKey.Split('.')[^1], listed, StringComparison.Ordinal);
        Assert.Contains(await controlPlane.Admin().ItemsAsync<TenantView>("tenants"), t => t.Id == tenant.Id);
        // The operator key is not a tenant's key for tenant management, and a tenant key cannot list tenants.
        Assert.Equal(HttpStatusCode.Unauthorized, (await owner.GetAsync("tenants")).StatusCode);
    }

    [Fact]
    public async Task Roles_decide_who_changes_what()
    {
        var tenant = await Tenant.CreateAsync(controlPlane, "roles");
        using var owner = tenant.Client(controlPlane);
        var envId = await owner.CreateEnvironmentAsync("prod");
        var member = await tenant.MemberWithKeyAsync(controlPlane, "member");
        var reader = await tenant.MemberWithKeyAsync(controlPlane, "read-only");
        using var asMember = new Api(controlPlane.Url, member.Key);
        using var asReader = new Api(controlPlane.Url, reader.Key);

        Assert.Equal(HttpStatusCode.OK, (await asReader.GetAsync($"environments/{envId}/services")).StatusCode);
        var refused = await asReader.PostAsync($"environments/{envId}/services", new { name = "web", image = "busybox" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("'read-only'", (await Api.ProblemAsync(refused)).Detail, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Created, (await asMember.PostAsync($"environments/{envId}/services", new { name = "web", image = "busybox" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asMember.PostAsync("members", new { name = "x", role = "owner" })).StatusCode);
        var escalate = await asMember.PostAsync("apiKeys", new { name = "mine", role = "owner" });
        Assert.Equal(HttpStatusCode.BadRequest, escalate.StatusCode);
        Assert.Contains("role", Api.Fields(await Api.ProblemAsync(escalate)));
        Assert.Equal(HttpStatusCode.Forbidden, (await asMember.PostAsync("apiKeys", new { name = "theirs", memberId = reader.MemberId })).StatusCode);
    }

    [Fact]
    public async Task Demoting_or_removing_a_member_lowers_or_revokes_their_keys_and_the_last_owner_stays()
    {
        var tenant = await Tenant.CreateAsync(controlPlane, "demote");
        using var owner = tenant.Client(controlPlane);
        var envId = await owner.CreateEnvironmentAsync("prod");
        var member = await tenant.MemberWithKeyAsync(controlPlane, "member");
        using var asMember = new Api(controlPlane.Url, member.Key);

        await Api.OkAsync<MemberView>(await owner.PatchAsync($"members/{member.MemberId}", new { role = "read-only" }));
        Assert.Equal(HttpStatusCode.Forbidden, (await asMember.PostAsync($"environments/{envId}/services", new { name = "web", image = "busybox" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"members/{member.MemberId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await asMember.GetAsync("environments")).StatusCode);

        var ownerId = (await owner.ItemsAsync<MemberView>("members")).Single(m => m.Role == "owner").Id;
        Assert.Equal(HttpStatusCode.Conflict, (await owner.PatchAsync($"members/{ownerId}", new { role = "member" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await owner.DeleteAsync($"members/{ownerId}")).StatusCode);
    }

    [Fact]
    public async Task An_environment_key_reaches_its_environment_only()
    {
        var tenant = await Tenant.CreateAsync(controlPlane, "scoped");
        using var owner = tenant.Client(controlPlane);
        var prod = await owner.CreateEnvironmentAsync("prod");
        var staging = await owner.CreateEnvironmentAsync("staging");
        var ci = await tenant.MemberWithKeyAsync(controlPlane, "member", environmentId: staging);
        using var asCi = new Api(controlPlane.Url, ci.Key);

        Assert.Equal([staging], (await asCi.ItemsAsync<EnvironmentView>("environments")).Select(e => e.Id));
        Assert.Equal(HttpStatusCode.Created, (await asCi.PostAsync($"environments/{staging}/services", new { name = "web", image = "busybox" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asCi.GetAsync($"environments/{prod}/services")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asCi.PostAsync("environments", new { name = "other" })).StatusCode);
    }

    [Fact]
    public async Task The_audit_log_records_every_mutation_and_pages_newest_first()
    {
        var tenant = await Tenant.CreateAsync(controlPlane, "audit");
        using var owner = tenant.Client(controlPlane);
        var envId = await owner.CreateEnvironmentAsync("prod");
        var serviceId = (await owner.CreateServiceAsync(envId, new { name = "web", image = "busybox" })).Id;
        for (var scale = 2; scale <= 4; scale++)
        {
            await Api.OkAsync<ServiceView>(await owner.PatchAsync($"environments/{envId}/services/{serviceId}", new { scale }));
        }
        await owner.PostRawAsync($"environments/{envId}/services", """{"name":"BAD"}""");

        var first = await owner.GetOkAsync<AuditPage>($"environments/{envId}/audit?limit=3");
        Assert.NotNull(first.Next);
        var second = await owner.GetOkAsync<AuditPage>($"environments/{envId}/audit?limit=3&cursor={Uri.EscapeDataString(first.Next)}");

        var entries = first.Items.Concat(second.Items).ToList();
        Assert.Equal(["CreateService", "PatchService", "PatchService", "PatchService", "CreateService"], entries.Select(e => e.Action).Reverse());
        Assert.Equal(400, entries[0].Status);
        Assert.All(entries, e =>
        {
            Assert.Equal("127.0.0.1", e.ClientAddress);
            Assert.StartsWith("k", e.Actor, StringComparison.Ordinal);
            Assert.Contains($"/environments/{envId}/services", e.Target, StringComparison.Ordinal);
        });
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync($"environments/{envId}/audit?limit=0")).StatusCode);
        Assert.Equal("CreateEnvironment", (await owner.GetOkAsync<AuditPage>("audit")).Items[0].Action);
    }
}
