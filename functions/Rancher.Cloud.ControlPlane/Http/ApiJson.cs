using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.ControlPlane.Http;

/// <summary>
/// JSON as the public API speaks it: camelCase, and strict on input — an unknown field is an
/// error that names the field, not something silently dropped.
/// </summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Create(strict: false);

    public static JsonSerializerOptions StrictOptions { get; } = Create(strict: true);

    /// <summary>Bodies larger than this are refused before parsing.</summary>
    public const int MaxBodyBytes = 1 << 20;

    /// <summary>No request body of this API nests deeper than a handful of levels.</summary>
    public const int MaxDepth = 32;

    /// <summary>Reads the request body as <typeparamref name="T"/>, or says which field is wrong and why.</summary>
    public static async Task<Outcome<T>> ReadAsync<T>(HttpRequest request, CancellationToken ct)
        where T : class
    {
        if (!IsJson(request.ContentType))
        {
            return Failure.Invalid("body", $"the body must be sent as application/json (Content-Type: {request.ContentType ?? "none"})");
        }
        if (request.ContentLength is > MaxBodyBytes || await BoundedBody.ReadAsync(request.Body, MaxBodyBytes, ct) is not { } body)
        {
            return Failure.Invalid("body", $"the body must be at most {MaxBodyBytes} bytes");
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(body.Span, StrictOptions);
            return value is null ? Failure.Invalid("body", "a JSON object is required") : value;
        }
        catch (JsonException e)
        {
            return Failure.Invalid(FieldOf(e), ReasonOf(e));
        }
    }

    /// <summary>JSON, and only JSON: <c>application/json</c> or <c>application/merge-patch+json</c>, in UTF-8 if a charset is named.</summary>
    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var type)
        && type.MediaType.Value?.ToLowerInvariant() is "application/json" or "application/merge-patch+json"
        && (type.Charset.Value is null || type.Charset.Value.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        && type.Parameters.All(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase));

    /// <summary>A field of the right shape but wrong value is named; broken JSON is the body's fault.</summary>
    private static string FieldOf(JsonException e) =>
        FieldReasonOf(e) is null || e.Path is null or "$" ? "body"
        : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path.TrimStart('$');

    private static string ReasonOf(JsonException e)
    {
        var where = e.BytePositionInLine is { } position ? $" (line {(e.LineNumber ?? 0) + 1}, position {position + 1})" : "";
        return FieldReasonOf(e) ?? $"the body is not valid JSON{where}";
    }

    /// <summary>What is wrong with one field, when the serializer blamed one.</summary>
    private static string? FieldReasonOf(JsonException e) =>
        e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "is not a known field"
        : e.Message.Contains("could not be converted", StringComparison.Ordinal) ? "has the wrong type"
        : e.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase) ? "appears more than once"
        : null;

    /// <summary>The API's contract: reflection, with views' <see cref="FlattenAttribute"/> records written flat.</summary>
    public static DefaultJsonTypeInfoResolver Resolver() => new() { Modifiers = { FlattenAttribute.Apply } };

    private static JsonSerializerOptions Create(bool strict)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            AllowTrailingCommas = false,
            ReadCommentHandling = JsonCommentHandling.Disallow,
            // The web defaults read "5" as 5; a number is a number.
            NumberHandling = JsonNumberHandling.Strict,
            MaxDepth = MaxDepth,
            TypeInfoResolver = Resolver(),
        };
        if (strict)
        {
            options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.AllowDuplicateProperties = false;
        }
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
