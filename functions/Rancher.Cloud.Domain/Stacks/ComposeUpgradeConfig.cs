using System.Globalization;
using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Upgrades;
using YamlDotNet.RepresentationModel;

namespace Rancher.Cloud.Domain.Stacks;

/// <summary>
/// Compose's <c>deploy.update_config</c> and <c>deploy.rollback_config</c> as a service's upgrade
/// policy, read and written back. What compose cannot say (deadlines, the failure threshold, the
/// pause limit) travels in <c>x-</c> keys, so an exported stack upgrades the same way.
/// </summary>
internal static class ComposeUpgradeConfig
{
    private const string Field = "upgradePolicy";

    public static UpgradePolicyDraft ReadUpdate(ComposeNode value, UpgradePolicyDraft? draft, Dictionary<string, int> lines)
    {
        var policy = draft ?? new UpgradePolicyDraft();
        foreach (var (key, node) in value.Entries())
        {
            policy = key switch
            {
                "parallelism" => Noted(lines, "batchSize", node, policy with { BatchSize = Parallelism(node) }),
                "delay" => Noted(lines, "interval", node, policy with { Interval = node.Text() }),
                "order" => Noted(lines, "order", node, policy with { Order = node.Text() }),
                "monitor" => Noted(lines, "minHealthy", node, policy with { MinHealthy = node.Text() }),
                "failure_action" => Noted(lines, "onFailure", node, policy with { OnFailure = FailureAction(node) }),
                "x-batch-deadline" => Noted(lines, "batchDeadline", node, policy with { BatchDeadline = node.Text() }),
                "x-progress-deadline" => Noted(lines, "progressDeadline", node, policy with { ProgressDeadline = node.Text() }),
                "x-failure-threshold" => Noted(lines, "failureThreshold", node, policy with { FailureThreshold = node.Number(0, 1000) }),
                "x-pause-limit" => Noted(lines, "pauseLimit", node, policy with { PauseLimit = node.Text() }),
                _ => Unsupported(node, $"'update_config.{key}' is not supported (parallelism, delay, order, monitor, failure_action, x-batch-deadline, x-progress-deadline, x-failure-threshold, x-pause-limit)", policy),
            };
        }
        return policy;
    }

    public static UpgradePolicyDraft ReadRollback(ComposeNode value, UpgradePolicyDraft? draft, Dictionary<string, int> lines)
    {
        var pace = new RollbackPaceDraft();
        foreach (var (key, node) in value.Entries())
        {
            pace = key switch
            {
                "parallelism" => Noted(lines, "rollback.batchSize", node, pace with { BatchSize = Parallelism(node) }),
                "delay" => Noted(lines, "rollback.interval", node, pace with { Interval = node.Text() }),
                "order" => Noted(lines, "rollback.order", node, pace with { Order = node.Text() }),
                "monitor" => Noted(lines, "rollback.minHealthy", node, pace with { MinHealthy = node.Text() }),
                "failure_action" or "max_failure_ratio" => Unsupported(node, $"'rollback_config.{key}' is not supported: a rollback that fails stops there, as 'failed to roll back' with its reason", pace),
                _ => Unsupported(node, $"'rollback_config.{key}' is not supported (parallelism, delay, order, monitor)", pace),
            };
        }
        return (draft ?? new UpgradePolicyDraft()) with { Rollback = pace };
    }

    /// <summary>The policy's update_config, only what differs from the defaults; null when nothing does.</summary>
    public static YamlMappingNode? WriteUpdate(UpgradePolicy policy)
    {
        var defaults = UpgradePolicy.Default;
        var node = new YamlMappingNode();
        AddIf(node, "parallelism", policy.BatchSize != defaults.BatchSize ? policy.BatchSize.ToString(CultureInfo.InvariantCulture) : null);
        AddIf(node, "delay", policy.Interval != defaults.Interval ? Durations.Format(policy.Interval) : null);
        AddIf(node, "order", OrderName(policy.Order));
        AddIf(node, "monitor", policy.MinHealthy != defaults.MinHealthy ? Durations.Format(policy.MinHealthy) : null);
        AddIf(node, "failure_action", policy.OnFailure != defaults.OnFailure ? "pause" : null);
        AddIf(node, "x-batch-deadline", policy.BatchDeadline != defaults.BatchDeadline ? Durations.Format(policy.BatchDeadline) : null);
        AddIf(node, "x-progress-deadline", policy.ProgressDeadline != defaults.ProgressDeadline ? Durations.Format(policy.ProgressDeadline) : null);
        AddIf(node, "x-failure-threshold", policy.FailureThreshold != defaults.FailureThreshold ? policy.FailureThreshold.ToString(CultureInfo.InvariantCulture) : null);
        AddIf(node, "x-pause-limit", policy.PauseLimit != defaults.PauseLimit ? Durations.Format(policy.PauseLimit) : null);
        return node.Children.Count > 0 ? node : null;
    }

    /// <summary>The rollback's own pace as rollback_config; null when a rollback goes as the upgrade does.</summary>
    public static YamlMappingNode? WriteRollback(UpgradePolicy policy)
    {
        if (policy.Rollback is not { } pace)
        {
            return null;
        }
        var node = new YamlMappingNode
        {
            { "parallelism", pace.BatchSize.ToString(CultureInfo.InvariantCulture) },
            { "delay", Durations.Format(pace.Interval) },
            { "monitor", Durations.Format(pace.MinHealthy) },
        };
        AddIf(node, "order", OrderName(pace.Order));
        return node;
    }

    /// <summary>Swarm's 0 means all at once: as many as a batch may take.</summary>
    private static int? Parallelism(ComposeNode node) => node.Number(0, UpgradePolicy.MaxBatchSize) is { } n ? (n == 0 ? UpgradePolicy.MaxBatchSize : n) : null;

    private static string? FailureAction(ComposeNode node)
    {
        var text = node.Text();
        if (text == "continue")
        {
            node.Error("'continue' is not supported: a failing version rolls back or pauses ('rollback' or 'pause')");
            return null;
        }
        return text;
    }

    private static string? OrderName(UpgradeOrder? order) => order switch
    {
        UpgradeOrder.StartFirst => "start-first",
        UpgradeOrder.StopFirst => "stop-first",
        _ => null,
    };

    private static T Noted<T>(Dictionary<string, int> lines, string field, ComposeNode node, T value)
    {
        lines[$"{Field}.{field}"] = node.Line;
        return value;
    }

    private static T Unsupported<T>(ComposeNode node, string reason, T value)
    {
        node.Error(reason);
        return value;
    }

    private static void AddIf(YamlMappingNode node, string key, string? value)
    {
        if (value is not null)
        {
            node.Add(key, value);
        }
    }
}
