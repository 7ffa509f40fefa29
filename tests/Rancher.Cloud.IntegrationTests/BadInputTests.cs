using System.Net;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>Refused requests get problem+json naming the field and the reason, and store nothing.</summary>
[Collection(SystemCollection.Name)]
public sealed class BadInputTests(SelfHostedControlPlane controlPlane)
{
    public static TheoryData<string, string, string> BadServices => new()
    {
        { """{"name": "web", "image": """, "body", "not valid JSON (line 1" },
        { """{"name":"web","image":"busybox","colour":"red"}""", "colour", "is not a known field" },
        { """{"name":"web","image":"busybox","scale":"two"}""", "scale", "has the wrong type" },
        { """{"name":"Web_1","image":"busybox"}""", "name", "lower-case letters" },
        { """{"name":"web","image":"Not An Image"}""", "image", "not a valid image reference" },
        { """{"name":"web","image":"busybox","ports":[{"published":70000,"target":80}]}""", "ports[0].published", "between 1 and 65535" },
        { """{"name":"web","image":"busybox","ports":[{"published":8080}]}""", "ports[0].target", "is required" },
        { """{"name":"web","image":"busybox","scale":100000}""", "scale", "between 0 and 500" },
        { """{"name":"web","image":"busybox","environment":{"1X":"y"}}""", "environment.1X", "variable names" },
        { """[1,2]""", "body", "wrong type" },
    };

    [Theory]
    [MemberData(nameof(BadServices))]
    public async Task A_bad_service_is_refused_with_the_field_and_reason_and_nothing_is_stored(string body, string field, string reason)
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"bad-{Guid.NewGuid():N}"[..20]);

        using var response = await api.PostRawAsync($"environments/{envId}/services", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Api.ProblemAsync(response);
        Assert.Equal(400, problem.Status);
        Assert.Contains(field, Api.Fields(problem));
        Assert.Contains(problem.Errors[field], r => r.Contains(reason, StringComparison.Ordinal));
        Assert.Empty(await api.ItemsAsync<ServiceView>($"environments/{envId}/services"));
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_refused_by_content_type()
    {
        using var api = controlPlane.Admin();

        using var response = await api.PostRawAsync("environments", "name=x", "application/x-www-form-urlencoded");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("body", Api.Fields(await Api.ProblemAsync(response)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    [InlineData("rch.hnothere.secret")]
    public async Task A_missing_or_wrong_key_gets_401_and_creates_nothing(string? key)
    {
        using var api = new Api(controlPlane.Url, key);
        var name = $"nokey-{Guid.NewGuid():N}"[..20];

        using var response = await api.PostAsync("environments", new { name });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await Api.ProblemAsync(response);
        using var admin = controlPlane.Admin();
        Assert.DoesNotContain(await admin.ItemsAsync<EnvironmentView>("environments"), e => e.Name == name);
    }

    [Fact]
    public async Task A_duplicate_environment_name_is_a_conflict()
    {
        using var api = controlPlane.Admin();
        var name = $"dup-{Guid.NewGuid():N}"[..20];
        await api.CreateEnvironmentAsync(name);

        using var response = await api.PostAsync("environments", new { name });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        await Api.ProblemAsync(response);
    }

    [Fact]
    public async Task Unknown_ids_read_as_not_found()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"nf-{Guid.NewGuid():N}"[..20]);

        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("environments/enothere")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"environments/{envId}/services/snothere")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsync("environments/enothere/services", new { name = "x", image = "busybox" })).StatusCode);
    }

    [Fact]
    public async Task Lists_page_by_cursor_and_refuse_one_they_did_not_hand_out()
    {
        using var api = controlPlane.Admin();
        await api.CreateEnvironmentAsync($"page-{Guid.NewGuid():N}"[..20]);
        await api.CreateEnvironmentAsync($"page-{Guid.NewGuid():N}"[..20]);

        var first = await api.GetOkAsync<Page<EnvironmentView>>("environments?limit=1");
        var second = await api.GetOkAsync<Page<EnvironmentView>>($"environments?limit=1&cursor={first.Next}");

        Assert.NotEqual(first.Items[0].Id, second.Items[0].Id);
        Assert.Contains("cursor", Api.Fields(await Api.ProblemAsync(await api.GetAsync("environments?cursor=not*a*cursor"))));
    }
}
