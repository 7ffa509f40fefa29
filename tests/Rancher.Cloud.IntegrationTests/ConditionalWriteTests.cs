using System.Net;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>ETags on reads, If-Match on writes: a write based on a stale read is refused with 412.</summary>
[Collection(SystemCollection.Name)]
public sealed class ConditionalWriteTests(SelfHostedControlPlane controlPlane)
{
    [Fact]
    public async Task A_write_with_a_stale_if_match_is_refused_and_a_current_one_goes_through()
    {
        using var api = controlPlane.Admin();
        var envId = await api.CreateEnvironmentAsync($"etag-{Guid.NewGuid():N}"[..20]);
        var id = (await api.CreateServiceAsync(envId, new { name = "web", image = "busybox", scale = 1 })).Id;
        using var http = new HttpClient { BaseAddress = new Uri(controlPlane.Url + "/api/v1/") };
        http.DefaultRequestHeaders.Authorization = new("Bearer", SelfHostedControlPlane.AdminKey);
        var path = $"environments/{envId}/services/{id}";

        var read = await http.GetAsync(path);
        var tag = read.Headers.ETag!.ToString();
        // Read as sent: the tag travels in the header only, and a typed read would not show it in the body.
        Assert.DoesNotContain("etag", await read.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        using var first = new HttpRequestMessage(HttpMethod.Patch, path) { Content = JsonContent.Create(new { scale = 2 }) };
        first.Headers.TryAddWithoutValidation("If-Match", tag);
        var written = await http.SendAsync(first);
        Assert.Equal(HttpStatusCode.OK, written.StatusCode);
        Assert.NotEqual(tag, written.Headers.ETag!.ToString());

        using var stale = new HttpRequestMessage(HttpMethod.Patch, path) { Content = JsonContent.Create(new { scale = 5 }) };
        stale.Headers.TryAddWithoutValidation("If-Match", tag);
        var refused = await http.SendAsync(stale);
        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        await Api.ProblemAsync(refused);

        using var staleDelete = new HttpRequestMessage(HttpMethod.Delete, path);
        staleDelete.Headers.TryAddWithoutValidation("If-Match", tag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await http.SendAsync(staleDelete)).StatusCode);
        Assert.Equal(2, (await api.ServiceAsync(envId, id)).Scale);
    }
}
