using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Networking;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Tests;

public sealed class ServiceStatesTests
{
    private static readonly ServiceSpec Plain = ServiceSpec.From(Given.Draft()).Value.Spec;

    private static readonly ServiceSpec Checked = ServiceSpec.From(Given.Draft(d => d with
    {
        HealthCheck = new HealthCheckDraft { Type = "tcp", Port = 80 },
    })).Value.Spec;

    private static readonly ObservedState Running = new(ContainerStates.Running, null);

    [Fact]
    public void Unplaced_instances_make_a_service_degraded_whatever_runs() =>
        Assert.Equal(ServiceStates.Degraded, ServiceStates.Of(Plain, 2, 1, [Running, Running]));

    [Fact]
    public void All_instances_running_make_it_active() =>
        Assert.Equal(ServiceStates.Active, ServiceStates.Of(Plain, 2, 0, [Running, Running]));

    [Fact]
    public void A_missing_unreported_or_stopped_instance_keeps_it_activating()
    {
        Assert.Equal(ServiceStates.Activating, ServiceStates.Of(Plain, 2, 0, [Running]));
        Assert.Equal(ServiceStates.Activating, ServiceStates.Of(Plain, 2, 0, [Running, null]));
        Assert.Equal(ServiceStates.Activating, ServiceStates.Of(Plain, 2, 0, [Running, new(ContainerStates.Stopped, null)]));
    }

    [Fact]
    public void With_a_health_check_running_is_not_enough_until_healthy()
    {
        Assert.Equal(ServiceStates.Activating, ServiceStates.Of(Checked, 1, 0, [new(ContainerStates.Running, HealthStates.Starting)]));
        Assert.Equal(ServiceStates.Activating, ServiceStates.Of(Checked, 1, 0, [new(ContainerStates.Running, HealthStates.Unhealthy)]));
        Assert.Equal(ServiceStates.Active, ServiceStates.Of(Checked, 1, 0, [new(ContainerStates.Running, HealthStates.Healthy)]));
    }

    [Fact]
    public void A_service_scaled_to_zero_is_active_with_nothing_running() =>
        Assert.Equal(ServiceStates.Active, ServiceStates.Of(Plain, 0, 0, []));

    [Theory]
    [InlineData(new[] { "active", "active" }, "active")]
    [InlineData(new[] { "active", "activating" }, "activating")]
    [InlineData(new[] { "activating", "degraded" }, "degraded")]
    [InlineData(new string[0], "active")]
    public void A_stack_is_degraded_when_any_service_is_and_active_when_all_are(string[] services, string expected) =>
        Assert.Equal(expected, ServiceStates.OfStack(services));
}
