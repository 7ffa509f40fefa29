using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>Builders for domain values, so each test states only what it is about.</summary>
internal static class Given
{
    public static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A transaction like Table Storage's (the store's own budget is checked against its writes in the integration tests).</summary>
    public static readonly TransactionBudget Budget = new()
    {
        Operations = 100,
        Bytes = 3_900_000,
        PerStep = 1,
        PerAdded = 1,
        PerRemoved = 2,
        PerPurged = 3,
        PerStatus = 1,
        PerReplacement = 1,
        PerPlan = 1,
        PerService = 1,
        PerRetired = 1,
        RowBytes = 1024,
        BytesPerContentChar = 3,
        CompressedAboveChars = 30_000,
        BytesPerCompressedChar = 2,
    };

    public static ReconcilePlanner Planner(IIdGenerator ids) => new(Scheduling.Scheduler.Default, ids, Budget);

    public static Host Host(string id, TimeSpan? silentFor = null) =>
        new(id, new HostFacts(id, "20.10", 2, 4L << 30, "Debian", "x86_64"), Now.AddHours(-1), Now - (silentFor ?? TimeSpan.Zero));

    public static Service Service(string id, int scale, params int[] publishedPorts) => Service(id, id, scale, publishedPorts);

    public static Service Service(string id, string name, int scale, params int[] publishedPorts) =>
        new(id, Spec(name, publishedPorts), scale, Now.AddMinutes(-10)); // same age: ordered by id

    public static ServiceSpec Spec(string name, params int[] publishedPorts) =>
        new(name, "busybox:1", [], new Dictionary<string, string>(), publishedPorts.Select(p => new PortMapping(p, 80, "tcp")).ToList());

    public static ServiceDraft Draft(Func<ServiceDraft, ServiceDraft>? change = null)
    {
        var draft = new ServiceDraft
        {
            Name = "web",
            Image = "registry.example:5000/team/web:1.2",
            Command = ["httpd", "-f"],
            Environment = new Dictionary<string, string?> { ["GREETING"] = "hi" },
            Ports = [new PortDraft { Published = 18080, Target = 80 }],
            Scale = 2,
        };
        return change is null ? draft : change(draft);
    }
}

/// <summary>Ids i1, i2, … so expected values can be written down.</summary>
internal sealed class SequentialIds : IIdGenerator
{
    private int next;

    public string NewId(char prefix) => $"{prefix}{++next}";
}
