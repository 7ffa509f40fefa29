namespace Rancher.Cloud.IntegrationTests.Infrastructure;

/// <summary>
/// A problem+json body as the API answers a refused request. The API writes it through ASP.NET
/// Core's problem details and has no type of its own to read it with.
/// </summary>
public sealed record Problem(string? Title, int? Status, string? Detail)
{
    /// <summary>Each refused field and its reasons; empty when the problem names no field.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Errors { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
}
