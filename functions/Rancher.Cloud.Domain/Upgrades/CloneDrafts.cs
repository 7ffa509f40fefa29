using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Upgrades;

/// <summary>
/// A candidate as asked for: its name (by default the original's with <c>-next</c>), its scale
/// (by default the original's), and the launch fields it changes, as a PATCH gives them.
/// </summary>
public sealed record ServiceCloneDraft([property: Limit(63)] string? Name, int? Scale, ServicePatch? Launch);

/// <summary>How much of a service's traffic its candidate takes: a percentage, 100 (all) when not given.</summary>
public sealed record TrafficSwitchDraft(int? Weight);
