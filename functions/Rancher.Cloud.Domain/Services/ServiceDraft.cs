using Rancher.Cloud.Domain.Scheduling;

namespace Rancher.Cloud.Domain.Services;

/// <summary>A service as a user asked for it, before validation. Every field may be missing.</summary>
public sealed record ServiceDraft
{
    public string? Name { get; init; }
    public string? Image { get; init; }
    public IReadOnlyList<string?>? Command { get; init; }
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }
    public IReadOnlyList<PortDraft?>? Ports { get; init; }
    public int? Scale { get; init; }
    public SchedulingDraft? Scheduling { get; init; }
}

/// <summary>A published port as a user asked for it.</summary>
public sealed record PortDraft
{
    public int? Published { get; init; }
    public int? Target { get; init; }
    public string? Protocol { get; init; }
}

/// <summary>The changes a PATCH may ask for.</summary>
public sealed record ServicePatch
{
    public int? Scale { get; init; }
}
