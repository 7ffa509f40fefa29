using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Upgrades;

/// <summary>
/// A service's upgrades as whole-service changes. One rule holds throughout: the service's spec
/// is the version its upgrade moves instances to (the new one, or the old one again while rolling
/// back), so whatever places an instance places the right version.
/// </summary>
public static class ServiceUpgrades
{
    /// <summary>
    /// The service changed to <paramref name="spec"/>. A new launch configuration on a service
    /// that runs something starts a rolling upgrade under <paramref name="policy"/> (or the
    /// service's own); anything else applies at once. Refused while another upgrade moves instances.
    /// </summary>
    public static (Service? Service, string? Refused) Change(Service service, ServiceSpec spec, UpgradePolicy? policy, bool hasInstances, DateTimeOffset now)
    {
        var to = LaunchVersion.Of(spec);
        if (to == service.Version)
        {
            return (service with { Spec = spec }, null); // placement rules or names: nothing to roll
        }
        if (service.Upgrading)
        {
            return (null, $"an upgrade to version {service.Upgrade!.To} is {UpgradeMachine.Name(service.Upgrade.State)}; pause and roll it back, finish it, or wait for it to end first");
        }
        var changed = service.WithSpec(spec, now);
        if (!hasInstances || spec.Balancer is not null)
        {
            // Nothing runs the old version, or a balancer, which reloads its rules in place; an
            // earlier upgrade's versions no longer describe any instance.
            return (changed with { Upgrade = null }, null);
        }
        return (changed with { Upgrade = Upgrade.Start(service.Version, to, policy ?? service.Policy ?? UpgradePolicy.Default, now) }, null);
    }

    /// <summary>A user's action on the service's upgrade; refused, saying why, when it does not apply.</summary>
    public static (Service? Service, string? Refused) Act(Service service, UpgradeAction action, DateTimeOffset now)
    {
        if (service.Upgrade is not { } upgrade)
        {
            return (null, "the service has never been upgraded");
        }
        var (next, refused) = UpgradeMachine.Act(upgrade, action, now);
        return next is null ? (null, refused) : Follow(service with { Upgrade = next }, now);
    }

    /// <summary>
    /// The service rolled back to a kept launch configuration (null: the previous one). The version
    /// an upgrade in flight came from is that upgrade's own rollback; any other kept version is a
    /// rolling upgrade to it, at the policy's rollback pace, whose failure returns to what runs now.
    /// </summary>
    public static (Service? Service, string? Refused) RollBackTo(Service service, string? version, bool hasInstances, DateTimeOffset now)
    {
        if (service.Spec.Alias is not null || service.Spec.External is not null)
        {
            // A finished switch's alias keeps the launch configuration its last instances ran: not a version to go back to.
            return (null, "an alias or external service runs nothing to roll back");
        }
        // In flight, or a rollback that failed (which may be tried again): the upgrade's own rollback.
        if (service.Upgrade is { State: not (UpgradeState.Upgraded or UpgradeState.RolledBack) } turning && (version is null || version == turning.From))
        {
            return Act(service, UpgradeAction.Rollback, now);
        }
        if (version is null && service.Upgrade is { State: UpgradeState.RolledBack } undone)
        {
            // The previous version is the one that was just undone: going "back" to it would redo it.
            return (null, $"the last upgrade (to version {undone.To}) was rolled back already; name a version to go to");
        }
        var wanted = version ?? (service.History.Count > 0 ? service.History[0].Version : null);
        if (wanted is null)
        {
            return (null, "the service has no earlier launch configuration to roll back to");
        }
        if (wanted == service.Version)
        {
            return (null, $"the service already runs version {wanted}");
        }
        if (service.History.FirstOrDefault(h => h.Version == wanted) is not { } kept)
        {
            return (null, $"version {wanted} is not kept with the service (kept: {(service.History.Count == 0 ? "none" : string.Join(", ", service.History.Select(h => h.Version)))})");
        }
        var policy = (service.Policy ?? UpgradePolicy.Default).ForRollback();
        var (changed, refused) = Change(service, kept.Spec, policy, hasInstances, now);
        return changed?.Upgrade is { } started && !ReferenceEquals(started, service.Upgrade)
            ? (changed with { Upgrade = started with { Reason = $"a rollback to version {wanted}" } }, null)
            : (changed, refused);
    }

    /// <summary>
    /// The service with its spec at its upgrade's target: when an upgrade turns back, the old
    /// launch configuration returns from the history. One that is no longer kept cannot be rolled
    /// back to, which is said rather than attempted.
    /// </summary>
    public static (Service? Service, string? Refused) Follow(Service service, DateTimeOffset now)
    {
        if (service.Upgrade is not { } upgrade || upgrade.Target == service.Version)
        {
            return (service, null);
        }
        return service.History.FirstOrDefault(h => h.Version == upgrade.Target) is { } kept
            ? (service.WithSpec(kept.Spec, now), null)
            : (null, $"version {upgrade.Target} is no longer kept with the service");
    }

    /// <summary>
    /// Whether a batch starts its new instances before stopping the old: as the policy says, or
    /// by default unless the service publishes ports (the old instances hold them) or runs one
    /// instance per host.
    /// </summary>
    public static UpgradeOrder OrderFor(Service service, UpgradePolicy policy) =>
        service.Spec.Scheduling.Global ? UpgradeOrder.StopFirst
        : policy.Order ?? (service.Spec.Ports.Count > 0 ? UpgradeOrder.StopFirst : UpgradeOrder.StartFirst);
}
