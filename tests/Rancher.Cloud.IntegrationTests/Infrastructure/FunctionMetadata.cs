using System.Text.Json;
using Rancher.Cloud.Harness;

namespace Rancher.Cloud.IntegrationTests.Infrastructure;

/// <summary>
/// One function of the functions.metadata the Functions SDK generates, as far as the tests read
/// it: the SDK writes the file but ships no type to read it with.
/// </summary>
public sealed record FunctionMetadata(string Name, IReadOnlyList<FunctionBinding> Bindings)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Every function the SDK generated metadata for in the Functions project's build output.</summary>
    public static IReadOnlyList<FunctionMetadata> Generated()
    {
        var functions = JsonSerializer.Deserialize<List<FunctionMetadata>>(File.ReadAllText(Repo.Output("functions/Rancher.Cloud.Functions", "functions.metadata")), Json);
        Assert.NotNull(functions);
        return functions;
    }

    /// <summary>Its HTTP trigger; none for a timer or queue function.</summary>
    public FunctionBinding? HttpTrigger => Bindings.FirstOrDefault(b => b.Type == "httpTrigger");
}

/// <summary>A binding: its type, and what a trigger of that type says.</summary>
public sealed record FunctionBinding(string Type)
{
    public IReadOnlyList<string> Methods { get; init; } = [];

    public string? Route { get; init; }

    public string? Schedule { get; init; }

    public string? QueueName { get; init; }
}
