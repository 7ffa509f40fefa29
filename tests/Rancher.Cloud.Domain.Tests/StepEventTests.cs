using Rancher.Cloud.Domain.Events;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Scheduling;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Tests;

public sealed class StepEventTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly Service Web = new("sweb", Given.Spec("web"), 3, Now);
    private static readonly Service Db = new("sdb", Given.Spec("db"), 1, Now);

    private static EnvironmentSnapshot Snapshot(params UnhealthyInstance[] unhealthy) =>
        new([Web, Db], [], [], new Dictionary<string, StoredPlan>(), new Dictionary<string, ServiceStatus>()) { Unhealthy = unhealthy };

    private static ReconcileStep Step(
        Instance[]? added = null, Instance[]? removed = null, Dictionary<string, ServiceStatus>? statuses = null, Dictionary<string, ReplacementHistory>? replacements = null) =>
        new(added ?? [], removed ?? [], [], statuses ?? [], [], false) { Replacements = replacements ?? [] };

    [Fact]
    public void Instances_placed_are_one_event_per_service_naming_the_hosts()
    {
        var events = StepEvents.Of(Step(added: [new("i1", "sweb", 0, "h2"), new("i2", "sweb", 1, "h1"), new("i3", "sdb", 0, "h1")]), Snapshot());

        Assert.Equal([(EventTypes.InstancePlaced, "sweb"), (EventTypes.InstancePlaced, "sdb")], events.Select(e => (e.Type, e.Subject)));
        Assert.Equal("web: 2 instances placed on host h1, h2", events[0].Message);
    }

    [Fact]
    public void An_instance_replaced_for_its_health_check_is_told_apart_from_one_removed()
    {
        var failing = new Instance("i1", "sweb", 0, "h1");
        var scaledDown = new Instance("i2", "sweb", 1, "h2");
        var events = StepEvents.Of(
            Step(removed: [failing, scaledDown], replacements: new() { ["sweb"] = new ReplacementHistory(1, Now, ["h1"]) }),
            Snapshot(new UnhealthyInstance("i1", "h1", Now.AddMinutes(-1))));

        Assert.Equal([EventTypes.InstanceReplaced, EventTypes.InstanceRemoved], events.Select(e => e.Type));
        Assert.Contains("host h1 replaced for failing its health check", events[0].Message, StringComparison.Ordinal);
        Assert.Contains("1 instance removed from host h2", events[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_placement_that_fails_says_the_commonest_reason()
    {
        var status = new ServiceStatus(2, [new("h1", Constraints.PortsFree, "port 80 is taken"), new("h2", Constraints.PortsFree, "port 80 is taken"), new("h3", Constraints.HostLabel, "no label role=db")]);
        var events = StepEvents.Of(Step(statuses: new() { ["sweb"] = status, ["sdb"] = ServiceStatus.Placed }), Snapshot());

        Assert.Equal(EventTypes.PlacementFailed, Assert.Single(events).Type);
        Assert.Equal("web: 2 instances cannot be placed: port 80 is taken", events[0].Message);
    }

    [Fact]
    public void A_busy_step_writes_at_most_its_share_and_says_how_much_more_it_did()
    {
        var added = Enumerable.Range(0, 12).Select(i => new Instance($"i{i}", $"s{i}", 0, "h1")).ToArray();

        var events = StepEvents.Of(Step(added: added), Snapshot());

        Assert.Equal(StepEvents.MaxPerStep, events.Count);
        Assert.EndsWith("(and 7 more changes in this step)", events[^1].Message, StringComparison.Ordinal);
        Assert.Empty(StepEvents.Of(Step(), Snapshot()));
    }
}
