using System.Text.Json.Nodes;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>The OpenAPI document documents every HTTP function the Functions SDK generated metadata for.</summary>
[Collection(SystemCollection.Name)]
public sealed class OpenApiTests(SelfHostedControlPlane controlPlane)
{
    [Fact]
    public async Task Every_route_in_the_function_metadata_is_documented()
    {
        var document = await DocumentAsync();

        var routes = FunctionMetadata.Generated()
            .Select(f => f.HttpTrigger)
            .OfType<FunctionBinding>()
            .SelectMany(b => b.Methods.Select(m => (Path: "/" + b.Route, Method: m.ToLowerInvariant())))
            .ToList();
        Assert.True(routes.Count >= 30);
        var missing = routes.Where(r => document["paths"]?[r.Path]?[r.Method]?["summary"] is null).ToList();
        Assert.True(missing.Count == 0, "undocumented: " + string.Join(", ", missing));
        var documented = document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(o => (Path: p.Key, Method: o.Key)));
        Assert.Empty(documented.Except(routes));
    }

    [Fact]
    public async Task Bodies_and_answers_carry_their_schemas()
    {
        var document = await DocumentAsync();
        var create = document["paths"]!["/api/v1/environments/{envId}/services"]!["post"]!;

        var body = create["requestBody"]!["content"]!["application/json"]!["schema"]!["properties"]!.AsObject();
        Assert.Contains("image", body.Select(p => p.Key));
        Assert.Contains("ports", body.Select(p => p.Key));
        var answer = create["responses"]!["201"]!["content"]!["application/json"]!["schema"]!["properties"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("instances", answer);
        // The view carries the spec and shows its fields flat: every field of the spec, written once.
        Assert.Contains("image", answer);
        Assert.Contains("stopSignal", answer);
        Assert.DoesNotContain("spec", answer);
        Assert.DoesNotContain("compose", answer);
        Assert.Equal("envId", (string?)create["parameters"]![0]!["name"]);
        Assert.NotNull(create["responses"]!["403"]);
        Assert.Empty(document["paths"]!["/install.sh"]!["get"]!["security"]!.AsArray());
    }

    [Fact]
    public async Task The_limits_validation_enforces_are_documented()
    {
        var document = await DocumentAsync();
        var service = document["paths"]!["/api/v1/environments/{envId}/services"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["properties"]!;
        var heartbeat = document["paths"]!["/api/v1/agent/heartbeat"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["properties"]!["facts"]!["properties"]!;

        Assert.Equal(63, (int?)service["name"]!["maxLength"]);
        Assert.Equal(100, (int?)service["ports"]!["maxItems"]);
        Assert.Equal(500, (int?)service["environment"]!["maxProperties"]);
        Assert.Equal(253, (int?)heartbeat["hostname"]!["maxLength"]);
        Assert.Equal(256, (int?)heartbeat["usedRanges"]!["maxItems"]);
        Assert.Equal(4096, (int?)heartbeat["cpus"]!["maximum"]);
    }

    /// <summary>The OpenAPI document as served: the tests check its wire shape, which has no view type.</summary>
    private async Task<JsonNode> DocumentAsync()
    {
        using var http = new HttpClient();
        return JsonNode.Parse(await http.GetStringAsync($"{controlPlane.Url}/api/v1/openapi.json"))!;
    }
}
