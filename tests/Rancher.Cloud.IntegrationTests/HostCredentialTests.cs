using System.Net;
using System.Net.Http.Headers;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>A host credential reaches its own host's plan and nothing else.</summary>
[Collection(SystemCollection.Name)]
public sealed class HostCredentialTests(SelfHostedControlPlane controlPlane)
{
    private HttpClient AgentClient(string credential)
    {
        var http = new HttpClient { BaseAddress = new Uri(controlPlane.Url + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return http;
    }

    [Fact]
    public async Task Each_host_reads_only_its_own_plan()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"cred-{Guid.NewGuid():N}"[..20]);
        var a = await api.RegisterHostAsync(envId);
        var b = await api.RegisterHostAsync(envId);
        await api.CreateServiceAsync(envId, new { name = "web", image = "busybox", scale = 2 });

        using var asA = AgentClient(a.Credential);
        var plan = (await asA.GetFromJsonAsync<HostPlan>(AgentRoutes.Plan, Api.Json))!;
        Assert.Equal(a.HostId, plan.HostId);
        Assert.Single(plan.Containers);

        // B's host id with A's secret is not a credential.
        var forged = $"rch.{b.HostId}.{a.Credential.Split('.')[^1]}";
        using var asForged = AgentClient(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, (await asForged.GetAsync(AgentRoutes.Plan)).StatusCode);
    }

    [Fact]
    public async Task A_host_cannot_report_another_hosts_instances()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"report-{Guid.NewGuid():N}"[..20]);
        var a = await api.RegisterHostAsync(envId, "a");
        var b = await api.RegisterHostAsync(envId, "b");
        var web = await api.CreateServiceAsync(envId, new { name = "web", image = "busybox", scale = 2 });
        using var asB = AgentClient(b.Credential);
        var planOfB = (await asB.GetFromJsonAsync<HostPlan>(AgentRoutes.Plan, Api.Json))!;
        var onB = Assert.Single(planOfB.Containers).InstanceId;

        // A claims B's instance runs (and is unhealthy): refused silently, B's instance is untouched.
        using var asA = AgentClient(a.Credential);
        var forged = new HostReport(planOfB.Version, [new ObservedContainer(onB, "forged", ContainerStates.Running, null) { Health = HealthStates.Unhealthy }]);
        Assert.Equal(HttpStatusCode.NoContent, (await asA.PostAsJsonAsync(AgentRoutes.Report, forged, Api.Json)).StatusCode);

        var instance = (await api.ServiceAsync(envId, web.Id)).Instances.Single(i => i.Id == onB);
        Assert.Equal("scheduled", instance.State);
        Assert.Null(instance.ContainerId);
    }

    [Fact]
    public async Task A_report_whose_conditions_would_not_fit_the_host_row_is_refused_and_writes_nothing()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"conds-{Guid.NewGuid():N}"[..20]);
        var host = await api.RegisterHostAsync(envId);
        var web = await api.CreateServiceAsync(envId, new { name = "web", image = "busybox", scale = 1 });
        using var agent = AgentClient(host.Credential);
        var plan = (await agent.GetFromJsonAsync<HostPlan>(AgentRoutes.Plan, Api.Json))!;
        var instance = Assert.Single(plan.Containers).InstanceId;

        // Sixteen errors of 1,000 characters that each take six when escaped: 96K characters stored.
        var conditions = Enumerable.Range(0, HostCondition.MaxConditions).Select(i => new HostCondition($"c-{(char)('a' + i)}", false, new string('é', HostCondition.MaxErrorLength))).ToList();
        var report = new HostReport(plan.Version, [new ObservedContainer(instance, "c1", ContainerStates.Running, null)]) { Conditions = conditions };
        using var refused = await agent.PostAsJsonAsync(AgentRoutes.Report, report, Api.Json);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("conditions", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("scheduled", (await api.ServiceAsync(envId, web.Id)).Instances[0].State);
    }

    [Fact]
    public async Task The_plan_answers_not_modified_to_its_own_etag()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"etag-{Guid.NewGuid():N}"[..20]);
        var host = await api.RegisterHostAsync(envId);
        await api.CreateServiceAsync(envId, new { name = "web", image = "busybox", scale = 1 });
        using var agent = AgentClient(host.Credential);

        using var first = await agent.GetAsync(AgentRoutes.Plan);
        var etag = first.Headers.ETag!;
        using var conditional = new HttpRequestMessage(HttpMethod.Get, AgentRoutes.Plan);
        conditional.Headers.IfNoneMatch.Add(etag);
        using var second = await agent.SendAsync(conditional);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Fact]
    public async Task A_host_credential_is_not_a_tenant_key_and_a_token_is_not_a_credential()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"aud-{Guid.NewGuid():N}"[..20]);
        var host = await api.RegisterHostAsync(envId);
        var token = (await api.CreateTokenAsync(envId)).Token;

        using var asHost = new Api(controlPlane.Url, host.Credential);
        Assert.Equal(HttpStatusCode.Unauthorized, (await asHost.GetAsync("environments")).StatusCode);
        using var asToken = AgentClient(token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await asToken.GetAsync(AgentRoutes.Plan)).StatusCode);
        using var badToken = await api.PostAsync("agent/register", new RegistrationRequest("rcr.not-a-token", new HostFacts("x", "1", 1, 1, "x", "x")));
        Assert.Equal(HttpStatusCode.Unauthorized, badToken.StatusCode);
    }
}
