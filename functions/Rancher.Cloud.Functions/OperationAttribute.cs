namespace Rancher.Cloud.Functions;

/// <summary>
/// Documents an HTTP function for the OpenAPI document: what it does, the JSON body it reads
/// and what it answers on success. Routes and methods come from the trigger itself.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OperationAttribute(string summary) : Attribute
{
    public string Summary { get; } = summary;

    /// <summary>The request body's type, when there is one.</summary>
    public Type? Body { get; init; }

    /// <summary>The success body's type; none for 204 and non-JSON answers.</summary>
    public Type? Response { get; init; }

    /// <summary>The success status.</summary>
    public int Status { get; init; } = 200;

    /// <summary>The success content type, when not JSON.</summary>
    public string? ContentType { get; init; }

    /// <summary>Whether the operation takes <c>?limit=</c> and <c>?cursor=</c>.</summary>
    public bool Paged { get; init; }

    /// <summary>Yes/no query parameters the operation takes (<c>?dryRun=true</c>), false when absent.</summary>
    public string[] Flags { get; init; } = [];
}
