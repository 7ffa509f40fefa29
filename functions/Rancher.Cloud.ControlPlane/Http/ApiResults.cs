using Microsoft.AspNetCore.Http;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.ControlPlane.Http;

/// <summary>Maps outcomes of application services to HTTP results; failures become problem+json.</summary>
public static class ApiResults
{
    public static IResult From<T>(Outcome<T> outcome, Func<T, IResult> onSuccess) =>
        outcome.Failure is { } failure ? Problem(failure) : onSuccess(outcome.Value!);

    public static IResult Ok<T>(Outcome<T> outcome) => From(outcome, v => Results.Json(v, ApiJson.Options));

    /// <summary>A resource with its entity tag in the ETag header, for If-Match on the next write.</summary>
    public static IResult Tagged<T>(Outcome<T> outcome, HttpRequest request)
        where T : ITagged => From(outcome, v => WithETag(v, request));

    /// <summary>The If-Match the caller sent, if any: the entity tag it last read.</summary>
    public static string? IfMatch(HttpRequest request) =>
        request.Headers.IfMatch.ToString() is { Length: > 0 } tag ? tag : null;

    /// <summary>202 with the task that will do the work: its state and progress are read at its own address.</summary>
    public static IResult Accepted<T>(Outcome<T> outcome) => From(outcome, v => Results.Json(v, ApiJson.Options, statusCode: StatusCodes.Status202Accepted));

    /// <summary>Reads and checks the JSON body, hands it to one service call, answers 202 with the task it started.</summary>
    public static Task<IResult> AcceptedAsync<TBody, T>(HttpRequest request, Func<TBody, Task<Outcome<T>>> start, CancellationToken ct)
        where TBody : class => WithBodyAsync(request, start, v => Results.Json(v, ApiJson.Options, statusCode: StatusCodes.Status202Accepted), ct);

    public static IResult Created<T>(T value) => Results.Json(value, ApiJson.Options, statusCode: StatusCodes.Status201Created);

    /// <summary>Reads and checks the JSON body, hands it to one service call, answers 201 with what it made.</summary>
    public static Task<IResult> CreatedAsync<TBody, T>(HttpRequest request, Func<TBody, Task<Outcome<T>>> create, CancellationToken ct)
        where TBody : class => WithBodyAsync(request, create, Created, ct);

    /// <summary>Reads and checks the JSON body, hands it to one service call, answers 200 with its result.</summary>
    public static Task<IResult> OkAsync<TBody, T>(HttpRequest request, Func<TBody, Task<Outcome<T>>> change, CancellationToken ct)
        where TBody : class => WithBodyAsync(request, change, v => Results.Json(v, ApiJson.Options), ct);

    /// <summary>Reads and checks the JSON body, hands it to one service call, answers 200 with the resource and its ETag.</summary>
    public static Task<IResult> TaggedAsync<TBody, T>(HttpRequest request, Func<TBody, Task<Outcome<T>>> change, CancellationToken ct)
        where TBody : class
        where T : ITagged => WithBodyAsync(request, change, v => WithETag(v, request), ct);

    private static IResult WithETag<T>(T value, HttpRequest request)
        where T : ITagged
    {
        request.HttpContext.Response.Headers.ETag = value.ETag;
        return Results.Json(value, ApiJson.Options);
    }

    /// <summary>Reads and checks the JSON body, hands it to one service call, answers 204.</summary>
    public static Task<IResult> NoContentAsync<TBody, T>(HttpRequest request, Func<TBody, Task<Outcome<T>>> change, CancellationToken ct)
        where TBody : class => WithBodyAsync(request, change, _ => Results.NoContent(), ct);

    private static async Task<IResult> WithBodyAsync<TBody, T>(HttpRequest request, Func<TBody, Task<Outcome<T>>> handle, Func<T, IResult> onSuccess, CancellationToken ct)
        where TBody : class
    {
        var body = await ApiJson.ReadAsync<TBody>(request, ct);
        return body.Failure is { } invalid ? Problem(invalid) : From(await handle(body.Value!), onSuccess);
    }

    public static IResult Page<T>(Outcome<Page<T>> outcome, HttpRequest request) => From(outcome, p => Page(p.Items, request));

    /// <summary>One page of a list held in memory, by <c>?limit=</c> and <c>?cursor=</c>; problem+json for bad ones.</summary>
    public static IResult Page<T>(IReadOnlyList<T> all, HttpRequest request)
    {
        var limit = ApiQuery.Limit(request) ?? ApiQuery.DefaultLimit;
        if (limit is < 1 or > ApiQuery.MaxLimit)
        {
            return Problem(Failure.Invalid("limit", $"must be between 1 and {ApiQuery.MaxLimit}"));
        }
        var offset = 0;
        if (ApiQuery.Cursor(request) is { } cursor && !OffsetCursor.TryRead(cursor, out offset))
        {
            return Problem(Failure.Invalid("cursor", "is not a cursor this list handed out"));
        }
        var items = all.Skip(offset).Take(limit).ToList();
        var next = offset + items.Count < all.Count ? OffsetCursor.Write(offset + items.Count) : null;
        return Results.Json(new Page<T>(items) { Next = next }, ApiJson.Options);
    }

    public static IResult Problem(Failure failure)
    {
        var (status, title) = failure.Kind switch
        {
            FailureKind.Invalid => (StatusCodes.Status400BadRequest, "Invalid request"),
            FailureKind.NotFound => (StatusCodes.Status404NotFound, "Not found"),
            FailureKind.Conflict => (StatusCodes.Status409Conflict, "Conflict"),
            FailureKind.Unauthorized => (StatusCodes.Status401Unauthorized, "Unauthorized"),
            FailureKind.Forbidden => (StatusCodes.Status403Forbidden, "Forbidden"),
            FailureKind.PreconditionFailed => (StatusCodes.Status412PreconditionFailed, "Precondition failed"),
            _ => (StatusCodes.Status500InternalServerError, "Error"),
        };
        var extensions = new Dictionary<string, object?>();
        if (failure.Fields is { IsEmpty: false } fields)
        {
            extensions["errors"] = fields.ToDictionary();
        }
        return Results.Problem(
            detail: failure.Detail,
            statusCode: status,
            title: title,
            type: $"https://rancher.cloud/problems/{failure.Kind.ToString().ToLowerInvariant()}",
            extensions: extensions);
    }
}
