using Rancher.Cloud.Functions;
using System.Text.Json.Nodes;
using Rancher.Cloud.Harness;
using Rancher.Cloud.SelfHost;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// The self-host serves exactly what the Azure Functions host would: its catalog, read from the
/// trigger attributes, matches the functions.metadata the Functions SDK generated.
/// </summary>
public sealed class FunctionCatalogTests
{
    private static string Describe(Trigger trigger) => trigger switch
    {
        HttpRoute http => $"http {string.Join(',', http.Methods.Select(m => m.ToUpperInvariant()).Order(StringComparer.Ordinal))} {http.Route}",
        Schedule timer => $"timer {timer.Cron}",
        QueueMessages queue => $"queue {queue.QueueName}",
        _ => throw new ArgumentOutOfRangeException(nameof(trigger)),
    };

    private static string Describe(JsonNode binding) => (string)binding["type"]! switch
    {
        "httpTrigger" => $"http {string.Join(',', binding["methods"]!.AsArray().Select(m => ((string)m!).ToUpperInvariant()).Order(StringComparer.Ordinal))} {binding["route"]}",
        "timerTrigger" => $"timer {binding["schedule"]}",
        "queueTrigger" => $"queue {binding["queueName"]}",
        var other => $"unsupported {other}",
    };

    [Fact]
    public void The_self_host_catalog_matches_the_generated_function_metadata()
    {
        var metadataPath = Repo.Output("functions/Rancher.Cloud.Functions", "functions.metadata");
        var metadata = JsonNode.Parse(File.ReadAllText(metadataPath))!.AsArray();
        var generated = metadata.ToDictionary(
            f => (string)f!["name"]!,
            f => Describe(f!["bindings"]!.AsArray().Single(b => ((string)b!["type"]!).EndsWith("Trigger", StringComparison.Ordinal))!));

        var discovered = FunctionCatalog.Discover(SelfHostApp.FunctionsAssembly).ToDictionary(f => f.Name, f => Describe(f.Trigger));

        Assert.NotEmpty(generated);
        Assert.Equal(generated.OrderBy(p => p.Key, StringComparer.Ordinal), discovered.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Every_function_can_be_bound_by_the_self_host()
    {
        foreach (var function in FunctionCatalog.Discover(SelfHostApp.FunctionsAssembly))
        {
            FunctionInvoker.CheckBindable(function);
        }
    }
}
