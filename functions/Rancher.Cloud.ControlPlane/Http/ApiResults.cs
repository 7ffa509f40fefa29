using Microsoft.AspNetCore.Http;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.ControlPlane.Http;

/// <summary>Maps outcomes of application services to HTTP results; failures become problem+json.</summary>
public static class ApiResults
{
    public static IResult From<T>(Outcome<T> outcome, Func<T, IResult> onSuccess) =>
        outcome.Failure is { } failure ? Problem(failure) : onSuccess(outcome.Value!);

    public static IResult Ok<T>(Outcome<T> outcome) => From(outcome, v => Results.Json(v, ApiJson.Options));

    public static IResult Problem(Failure failure)
    {
        var (status, title) = failure.Kind switch
        {
            FailureKind.Invalid => (StatusCodes.Status400BadRequest, "Invalid request"),
            FailureKind.NotFound => (StatusCodes.Status404NotFound, "Not found"),
            FailureKind.Conflict => (StatusCodes.Status409Conflict, "Conflict"),
            FailureKind.Unauthorized => (StatusCodes.Status401Unauthorized, "Unauthorized"),
            FailureKind.Forbidden => (StatusCodes.Status403Forbidden, "Forbidden"),
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
