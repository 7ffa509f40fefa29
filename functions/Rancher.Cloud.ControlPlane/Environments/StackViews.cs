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

/// <summary>
/// A stack's revision from a changed compose file: what happens to each service, and the stack
/// as it now is (null for a dry run, or when nothing changed).
/// </summary>
public sealed record StackRevisionView(bool DryRun, IReadOnlyList<StackChangeView> Changes, StackView? Stack);

/// <summary>One service's line of a revision: <c>add</c>, <c>upgrade</c> (a rolling upgrade starts), <c>change</c> (applied at once), <c>unchanged</c>, <c>remove</c> or <c>keep</c>.</summary>
public sealed record StackChangeView(string Service, string Change, IReadOnlyList<string> Fields, string? FromVersion, string? ToVersion, int? FromScale, int? ToScale)
{
    public static StackChangeView Of(Domain.Stacks.StackChange c) =>
        new(c.Service, c.Kind.ToString().ToLowerInvariant(), c.Fields, c.FromVersion, c.ToVersion, c.FromScale, c.ToScale);
}
