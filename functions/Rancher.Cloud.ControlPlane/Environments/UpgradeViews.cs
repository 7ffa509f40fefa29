using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Upgrades;

namespace Rancher.Cloud.ControlPlane.Environments;

/// <summary>Upgrade policies as the API shows them: in the words and duration syntax they are given in.</summary>
public static class UpgradeViews
{
    public static UpgradePolicyView Of(UpgradePolicy policy, Service service) => new(
        policy.BatchSize,
        Durations.Format(policy.Interval),
        OrderOf(policy, service),
        Durations.Format(policy.MinHealthy),
        Durations.Format(policy.BatchDeadline),
        Durations.Format(policy.ProgressDeadline),
        policy.FailureThreshold,
        policy.OnFailure == FailureAction.Rollback ? "rollback" : "pause",
        Durations.Format(policy.PauseLimit))
    {
        Rollback = policy.Rollback is { } pace
            ? new RollbackPaceView(pace.BatchSize, Durations.Format(pace.Interval), OrderOf(policy.ForRollback(), service), Durations.Format(pace.MinHealthy))
            : null,
    };

    /// <summary>What the service will do, not only what was asked: no order given means the default for it.</summary>
    private static string OrderOf(UpgradePolicy policy, Service service) =>
        ServiceUpgrades.OrderFor(service, policy) == UpgradeOrder.StartFirst ? "start-first" : "stop-first";
}
