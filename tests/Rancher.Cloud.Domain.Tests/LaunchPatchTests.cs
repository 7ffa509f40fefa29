using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>A PATCH's launch fields meet the fields it keeps: the rules between fields see both.</summary>
public sealed class LaunchPatchTests
{
    private static ServiceSpec Stored(Func<ServiceDraft, ServiceDraft> change) => ServiceSpec.From(Given.Draft(change)).Value.Spec;

    private static (ServiceSpec? Spec, IReadOnlyDictionary<string, string[]> Errors) Apply(ServiceSpec spec, ServicePatch patch)
    {
        var errors = new FieldErrors();
        var patched = LaunchPatch.Apply(spec, patch, errors);
        return (patched, errors.ToDictionary());
    }

    [Fact]
    public void A_new_image_keeps_the_other_fields_and_makes_a_new_version()
    {
        var spec = Stored(d => d);

        var (patched, errors) = Apply(spec, new ServicePatch { Image = "registry.example:5000/team/web:1.3" });

        Assert.Empty(errors);
        Assert.Equal(spec.Command, patched!.Command);
        Assert.Equal(spec.Ports, patched.Ports);
        Assert.NotEqual(LaunchVersion.Of(spec), LaunchVersion.Of(patched));
    }

    [Fact]
    public void A_reservation_above_the_kept_memory_limit_is_refused_by_its_field()
    {
        var spec = Stored(d => d with { Limits = new LimitsDraft(null, 64L << 20) });

        var (patched, errors) = Apply(spec, new ServicePatch { Run = new RunOptionsDraft { MemoryReservationBytes = 128L << 20 } });

        Assert.Null(patched);
        Assert.Contains("run.memoryReservationBytes", errors.Keys);
    }

    [Fact]
    public void A_hostname_kept_on_a_service_that_now_joins_another_network_is_refused()
    {
        var spec = Stored(d => d with { Hostname = "web-1", Ports = null });

        var (patched, errors) = Apply(spec, new ServicePatch { Run = new RunOptionsDraft { NetworkMode = "service:db" } });

        Assert.Null(patched);
        Assert.Contains("hostname", errors.Keys);
    }

    [Fact]
    public void Ports_kept_on_a_service_that_now_uses_the_hosts_network_are_refused()
    {
        var spec = Stored(d => d);

        var (patched, errors) = Apply(spec, new ServicePatch { Run = new RunOptionsDraft { NetworkMode = "host" } });

        Assert.Null(patched);
        Assert.Contains("ports", errors.Keys);
    }

    [Fact]
    public void An_alias_refuses_launch_fields_by_the_field_given()
    {
        var spec = Stored(d => d with { Image = null, Command = null, Environment = null, Ports = null, Alias = ["db"] });

        var (patched, errors) = Apply(spec, new ServicePatch { Command = ["sh"] });

        Assert.Null(patched);
        Assert.Equal(["command"], errors.Keys);
    }
}
