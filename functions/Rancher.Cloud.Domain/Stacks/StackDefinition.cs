using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>
/// A stack as imported from a compose file: its services (each a validated spec and scale),
/// the networks, named volumes and file secrets the file declared, and what was ignored.
/// </summary>
public sealed record StackDefinition(
    string Name,
    IReadOnlyList<StackService> Services,
    IReadOnlyList<string> Networks,
    IReadOnlyList<string> Volumes,
    IReadOnlyDictionary<string, string> Secrets)
{
    /// <summary>Labels of the declared named volumes that have some; each volume is created with its own.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> VolumeLabels { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>Keys accepted without effect, each with its line and why.</summary>
    public IReadOnlyList<string> Ignored { get; init; } = [];

    /// <summary>Things the user should know: unset variables, folders each host must provide.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Services per stack: one storage transaction creates the stack with all of them.</summary>
    public const int MaxServices = 40;
}

/// <summary>A service of a stack and how many instances it runs (compose's <c>deploy.replicas</c>).</summary>
public sealed record StackService(ServiceSpec Spec, int Scale)
{
    /// <summary>How it upgrades (compose's <c>deploy.update_config</c> and <c>rollback_config</c>); null: the defaults.</summary>
    public Upgrades.UpgradePolicy? Policy { get; init; }
}
