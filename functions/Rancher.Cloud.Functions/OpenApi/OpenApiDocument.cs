using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.RegularExpressions;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Http;

namespace Rancher.Cloud.Functions.OpenApi;

/// <summary>
/// The OpenAPI 3.1 document of the HTTP API, built from the functions themselves: routes and
/// methods from their triggers, audiences from their access rules, words and body types from
/// their <see cref="OperationAttribute"/>, schemas from the C# types as the API serializes them.
/// </summary>
public static partial class OpenApiDocument
{
    private static readonly JsonSerializerOptions Schemas = new(ApiJson.Options) { TypeInfoResolver = ApiJson.Resolver() };

    private static readonly Lazy<string> Built = new(() => Build(typeof(OpenApiDocument).Assembly).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    public static string Json => Built.Value;

    public static JsonObject Build(Assembly functions)
    {
        var paths = new JsonObject();
        foreach (var function in FunctionCatalog.Discover(functions).Where(f => f.Trigger is HttpRoute).OrderBy(f => ((HttpRoute)f.Trigger).Route, StringComparer.Ordinal))
        {
            var route = (HttpRoute)function.Trigger;
            var path = "/" + route.Route;
            if (paths[path] is not JsonObject item)
            {
                item = [];
                paths[path] = item;
            }
            foreach (var method in route.Methods)
            {
                item[method.ToLowerInvariant()] = Operation(function, route.Route);
            }
        }
        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "Rancher.Cloud API",
                ["version"] = "v1",
                ["description"] = "Run Docker in production across many hosts. Errors are application/problem+json with errors: {field: [reasons]}.",
            },
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject
                {
                    ["apiKey"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer", ["description"] = "A tenant API key (rck.…), the operator's admin key, or for agent routes a host credential (rch.…)." },
                },
                ["schemas"] = new JsonObject { ["Problem"] = ProblemSchema() },
            },
            ["security"] = new JsonArray(new JsonObject { ["apiKey"] = new JsonArray() }),
            ["paths"] = paths,
        };
    }

    private static JsonObject Operation(FunctionEntry function, string route)
    {
        var doc = function.Method.GetCustomAttribute<OperationAttribute>()
            ?? throw new InvalidOperationException($"HTTP function {function.Name} has no [Operation] and would be undocumented.");
        var access = function.Method.GetCustomAttribute<AccessAttribute>()!;
        var parameters = new JsonArray();
        foreach (Match m in RouteParameter().Matches(route))
        {
            parameters.Add(new JsonObject { ["name"] = m.Groups[1].Value, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }
        if (doc.Paged)
        {
            parameters.Add(new JsonObject { ["name"] = "limit", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1 } });
            parameters.Add(new JsonObject { ["name"] = "cursor", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" }, ["description"] = "The `next` of the previous page." });
        }
        foreach (var flag in doc.Flags)
        {
            parameters.Add(new JsonObject { ["name"] = flag, ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "boolean", ["default"] = false } });
        }
        var success = new JsonObject { ["description"] = doc.Status == 204 ? "Done." : "Success." };
        if (doc.Response is { } response)
        {
            success["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = SchemaOf(response) } };
        }
        else if (doc.ContentType is { } type)
        {
            success["content"] = new JsonObject { [type] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } } };
        }
        var responses = new JsonObject { [doc.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = success };
        foreach (var (status, why) in Failures(access))
        {
            responses[status] = new JsonObject
            {
                ["description"] = why,
                ["content"] = new JsonObject { ["application/problem+json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/Problem" } } },
            };
        }
        var operation = new JsonObject
        {
            ["operationId"] = function.Name,
            ["summary"] = doc.Summary,
            ["parameters"] = parameters,
            ["responses"] = responses,
        };
        if (doc.Body is { } body)
        {
            operation["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = SchemaOf(body) } },
            };
        }
        if (access.Audience == Audience.Anonymous)
        {
            operation["security"] = new JsonArray();
        }
        return operation;
    }

    private static IEnumerable<(string Status, string Why)> Failures(AccessAttribute access)
    {
        yield return ("400", "The request is not valid; errors names each field and why.");
        if (access.Audience != Audience.Anonymous)
        {
            yield return ("401", "No key, or not a valid one for this API.");
        }
        if (access.Audience == Audience.Tenant)
        {
            yield return ("403", "The key's role or scope does not allow this.");
        }
        yield return ("404", "Not found (another tenant's ids read as not found).");
    }

    private static JsonNode SchemaOf(Type type) => Schemas.GetJsonSchemaAsNode(type, new JsonSchemaExporterOptions { TransformSchemaNode = WithBounds });

    /// <summary>The bounds validation enforces, from the same constants, as <c>maxLength</c>, <c>maxItems</c>, <c>maxProperties</c> and ranges.</summary>
    private static JsonNode WithBounds(JsonSchemaExporterContext context, JsonNode schema)
    {
        if (schema is not JsonObject node || context.PropertyInfo?.AttributeProvider is not { } attributes)
        {
            return schema;
        }
        var type = node["type"]?.ToJsonString() ?? "";
        foreach (var attribute in attributes.GetCustomAttributes(inherit: true))
        {
            switch (attribute)
            {
                case Rancher.Cloud.Contracts.LimitAttribute limit:
                    node[type.Contains("string", StringComparison.Ordinal) ? "maxLength" : type.Contains("array", StringComparison.Ordinal) ? "maxItems" : "maxProperties"] = limit.Max;
                    break;
                case System.ComponentModel.DataAnnotations.RangeAttribute range:
                    node["minimum"] = JsonValue.Create(Convert.ToInt64(range.Minimum, System.Globalization.CultureInfo.InvariantCulture));
                    node["maximum"] = JsonValue.Create(Convert.ToInt64(range.Maximum, System.Globalization.CultureInfo.InvariantCulture));
                    break;
            }
        }
        return node;
    }

    private static JsonObject ProblemSchema() => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["type"] = new JsonObject { ["type"] = "string" },
            ["title"] = new JsonObject { ["type"] = "string" },
            ["status"] = new JsonObject { ["type"] = "integer" },
            ["detail"] = new JsonObject { ["type"] = "string" },
            ["errors"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } } },
        },
    };

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex RouteParameter();
}
