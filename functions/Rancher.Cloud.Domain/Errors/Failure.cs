namespace Rancher.Cloud.Domain.Errors;

/// <summary>Why an operation did not happen. Mapped to an HTTP status by the API layer.</summary>
public enum FailureKind
{
    Invalid,
    NotFound,
    Conflict,
    Unauthorized,
    Forbidden,

    /// <summary>An If-Match precondition no longer holds: the resource changed since it was read.</summary>
    PreconditionFailed,
}

/// <summary>A refused operation: what kind of refusal, a sentence for humans, and per-field reasons.</summary>
public sealed record Failure(FailureKind Kind, string Detail, FieldErrors? Fields = null)
{
    public static Failure Invalid(FieldErrors fields) =>
        new(FailureKind.Invalid, "The request is not valid; see errors.", fields);

    public static Failure Invalid(string field, string reason) => Invalid(FieldErrors.Of(field, reason));

    public static Failure NotFound(string what) => new(FailureKind.NotFound, $"{what} was not found.");

    public static Failure Conflict(string detail) => new(FailureKind.Conflict, detail);

    public static Failure Stale(string what) =>
        new(FailureKind.PreconditionFailed, $"{what} changed since it was read (If-Match no longer matches); read it again and retry.");
}
