using System.Text.Json.Nodes;

namespace Rancher.Cloud.SelfHost;

/// <summary>The settings of host.json the self-host honours, read from the same file the Functions host uses.</summary>
public sealed record HostJson(string RoutePrefix, TimeSpan MaxPollingInterval, TimeSpan VisibilityTimeout, int BatchSize, int MaxDequeueCount)
{
    public static HostJson Load(string path)
    {
        var root = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;
        var http = root?["extensions"]?["http"];
        var queues = root?["extensions"]?["queues"];
        return new HostJson(
            http?["routePrefix"]?.GetValue<string>() ?? "api",
            Span(queues?["maxPollingInterval"], TimeSpan.FromMinutes(1)),
            Span(queues?["visibilityTimeout"], TimeSpan.Zero),
            queues?["batchSize"]?.GetValue<int>() ?? 16,
            queues?["maxDequeueCount"]?.GetValue<int>() ?? 5);
    }

    private static TimeSpan Span(JsonNode? node, TimeSpan fallback) =>
        node is null ? fallback : TimeSpan.Parse(node.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
}
