namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>A stack as asked for: a name, the compose file's text, and values for its <c>${VARIABLES}</c>.</summary>
public sealed record StackDraft(string? Name, string? Compose, IReadOnlyDictionary<string, string>? Variables);

/// <summary>A stack as the API shows it: its services, and what the import ignored or warns about.</summary>
public sealed record StackView(
    string Id,
    string Name,
    IReadOnlyList<ServiceView> Services,
    IReadOnlyList<string> Ignored,
    IReadOnlyList<string> Warnings,
    DateTimeOffset CreatedAt)
{
    /// <summary>active when every service is, degraded when any is, else activating.</summary>
    public string State => Services.Any(s => s.State == "degraded") ? "degraded"
        : Services.All(s => s.State == "active") ? "active"
        : "activating";
}
