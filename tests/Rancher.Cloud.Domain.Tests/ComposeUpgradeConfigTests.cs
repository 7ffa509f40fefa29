using Rancher.Cloud.Domain.Stacks;
using Rancher.Cloud.Domain.Upgrades;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>Compose's deploy.update_config and rollback_config become the service's upgrade policy and are written back.</summary>
public sealed class ComposeUpgradeConfigTests
{
    private const string Compose = """
        services:
          web:
            image: nginx:1.27
            deploy:
              replicas: 4
              update_config:
                parallelism: 2
                delay: 10s
                order: start-first
                monitor: 15s
                failure_action: pause
                x-batch-deadline: 2m
              rollback_config:
                parallelism: 0
                delay: 0s
                monitor: 1s
        """;

    [Fact]
    public void Update_and_rollback_config_map_onto_the_policy_and_survive_an_export()
    {
        var stack = ComposeReader.Read("shop", Compose, null).Value!;

        var policy = stack.Services.Single().Policy!;
        Assert.Equal(2, policy.BatchSize);
        Assert.Equal(TimeSpan.FromSeconds(10), policy.Interval);
        Assert.Equal(UpgradeOrder.StartFirst, policy.Order);
        Assert.Equal(TimeSpan.FromSeconds(15), policy.MinHealthy);
        Assert.Equal(FailureAction.Pause, policy.OnFailure);
        Assert.Equal(TimeSpan.FromMinutes(2), policy.BatchDeadline);
        Assert.Equal(new RollbackPace(UpgradePolicy.MaxBatchSize, TimeSpan.Zero, null, TimeSpan.FromSeconds(1)), policy.Rollback);

        var again = ComposeReader.Read("shop", ComposeWriter.Write(stack), null).Value!;
        Assert.Equal(policy, again.Services.Single().Policy);
    }

    [Fact]
    public void A_service_without_update_config_keeps_the_defaults_and_exports_none()
    {
        var stack = ComposeReader.Read("shop", "services:\n  web:\n    image: nginx:1.27\n", null).Value!;

        Assert.Null(stack.Services.Single().Policy);
        Assert.DoesNotContain("update_config", ComposeWriter.Write(stack), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("update_config:\n        failure_action: continue", "services.web.deploy.update_config.failure_action", "line 6:")]
    [InlineData("update_config:\n        max_failure_ratio: 0.2", "services.web.deploy.update_config.max_failure_ratio", "line 6:")]
    [InlineData("rollback_config:\n        failure_action: pause", "services.web.deploy.rollback_config.failure_action", "line 6:")]
    [InlineData("update_config:\n        order: sideways", "services.web.upgradePolicy.order", "line 6:")]
    [InlineData("update_config:\n        monitor: 10m", "services.web.upgradePolicy.minHealthy", "line 6:")]
    public void Bad_upgrade_config_is_refused_by_key_and_line(string config, string field, string line)
    {
        var outcome = ComposeReader.Read("shop", $"services:\n  web:\n    image: nginx:1.27\n    deploy:\n      {config}\n", null);

        Assert.False(outcome.Succeeded);
        var errors = outcome.Failure!.Fields!.ToDictionary();
        Assert.True(errors.ContainsKey(field), string.Join("\n", errors.Select(e => $"{e.Key}: {string.Join("; ", e.Value)}")));
        Assert.StartsWith(line, errors[field][0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_rollback_runs_at_its_own_pace()
    {
        var policy = UpgradePolicy.Default with { BatchSize = 1, MinHealthy = TimeSpan.FromSeconds(30), Rollback = new RollbackPace(5, TimeSpan.Zero, UpgradeOrder.StopFirst, TimeSpan.Zero) };
        var upgrade = Upgrade.Start("v1", "v2", policy, Given.Now);

        var (back, _) = UpgradeMachine.Act(upgrade, UpgradeAction.Rollback, Given.Now);

        Assert.Equal(5, back!.Policy.BatchSize);
        Assert.Equal(UpgradeOrder.StopFirst, back.Policy.Order);
        Assert.Equal(TimeSpan.Zero, back.Policy.MinHealthy);
        Assert.Null(back.Policy.Rollback);
    }
}
