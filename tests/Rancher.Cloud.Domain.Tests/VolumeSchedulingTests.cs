using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Scheduling;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>A one-instance service's named volume keeps it on the host that has the data.</summary>
public sealed class VolumeSchedulingTests
{
    private static List<HostView> Views(params Host[] hosts)
    {
        var homes = hosts.Where(h => h.Mode != HostMode.Removed).SelectMany(h => h.Volumes.Select(v => (v, h.Id))).ToLookup(p => p.v, p => p.Id);
        return hosts.Select(h => new HostView(h, HostLiveness.StateOf(h, Given.Now)) { VolumeHomes = homes }).ToList();
    }

    private static Service WithVolume(int scale, string? stack = null) =>
        Given.Service("db", scale) is var s ? s with { Spec = s.Spec with { Stack = stack, Volumes = [new VolumeMount("volume", "data", "/data")] } } : null!;

    private static Host HostWith(string id, params string[] volumes) => Given.Host(id) with { Volumes = volumes.ToHashSet() };

    [Fact]
    public void The_instance_goes_where_its_volume_is_though_another_host_is_emptier()
    {
        var hosts = Views(Given.Host("a"), HostWith("b", "data"));
        hosts[1].Add(Given.Service("busy", 3));
        Assert.Equal("b", Scheduler.Default.Place(WithVolume(1), hosts).Host!.Id);
    }

    [Fact]
    public void A_stack_volume_is_found_by_its_name_on_the_host()
    {
        var hosts = Views(Given.Host("a"), HostWith("b", "shop_data"));
        Assert.Equal("b", Scheduler.Default.Place(WithVolume(1, stack: "shop"), hosts).Host!.Id);
    }

    [Fact]
    public void When_the_volumes_host_is_down_the_instance_waits_and_says_why()
    {
        var down = Given.Host("b", silentFor: TimeSpan.FromMinutes(5)) with { Volumes = new HashSet<string> { "data" } };
        var placement = Scheduler.Default.Place(WithVolume(1), Views(Given.Host("a"), down));
        Assert.False(placement.Placed);
        Assert.Contains(placement.Rejections, r => r.HostId == "a" && r.Constraint == Constraints.VolumeHost && r.Reason.Contains("lives on host b", StringComparison.Ordinal));
    }

    [Fact]
    public void A_removed_host_no_longer_holds_the_instance()
    {
        var removed = HostWith("b", "data") with { Mode = HostMode.Removed };
        Assert.Equal("a", Scheduler.Default.Place(WithVolume(1), Views(Given.Host("a"), removed)).Host!.Id);
    }

    [Fact]
    public void A_volume_nowhere_yet_and_a_scaled_service_are_placed_as_usual()
    {
        Assert.True(Scheduler.Default.Place(WithVolume(1), Views(Given.Host("a"), Given.Host("b"))).Placed);
        var hosts = Views(Given.Host("a"), HostWith("b", "data"));
        Assert.Equal(["a", "b"], Enumerable.Range(0, 2).Select(_ =>
        {
            var placed = Scheduler.Default.Place(WithVolume(2), hosts).Host!;
            placed.Add(WithVolume(2));
            return placed.Id;
        }).Order());
    }
}
