using Rancher.Cloud.Functions;
using Rancher.Cloud.IntegrationTests.Infrastructure;
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

    private static string Describe(FunctionBinding binding) => binding.Type switch
    {
        "httpTrigger" => $"http {string.Join(',', binding.Methods.Select(m => m.ToUpperInvariant()).Order(StringComparer.Ordinal))} {binding.Route}",
        "timerTrigger" => $"timer {binding.Schedule}",
        "queueTrigger" => $"queue {binding.QueueName}",
        var other => $"unsupported {other}",
    };

    [Fact]
    public void The_self_host_catalog_matches_the_generated_function_metadata()
    {
        var generated = FunctionMetadata.Generated().ToDictionary(
            f => f.Name,
            f => Describe(f.Bindings.Single(b => b.Type.EndsWith("Trigger", StringComparison.Ordinal))));

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
