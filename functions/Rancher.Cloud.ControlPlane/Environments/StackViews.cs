namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>A stack as asked for: a name, the compose file's text, and values for its <c>${VARIABLES}</c>.</summary>
public sealed record StackDraft(
    [property: Rancher.Cloud.Contracts.Limit(63)] string? Name,
    [property: Rancher.Cloud.Contracts.Limit(Domain.Stacks.ComposeReader.MaxLength)] string? Compose,
    [property: Rancher.Cloud.Contracts.Limit(StackDraft.MaxVariables)] IReadOnlyDictionary<string, string>? Variables)
{
    /// <summary>Variables a request may give for <c>${VAR}</c>.</summary>
    public const int MaxVariables = 500;
}

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
    public string State => Domain.Services.ServiceStates.OfStack(Services.Select(s => s.State));
}
