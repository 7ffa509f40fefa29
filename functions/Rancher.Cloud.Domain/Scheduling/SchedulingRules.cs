namespace Rancher.Cloud.Domain.Scheduling;

/// <summary>
/// Where a service's instances may and would rather go: host label rules, affinity to other
/// services' instances, and the resources each instance reserves. Hard rules filter hosts;
/// soft rules only score them. (Rancher 1.6's <c>io.rancher.scheduler.affinity:*</c> labels map here.)
/// </summary>
public sealed record SchedulingRules
{
    public static SchedulingRules None { get; } = new();

    public IReadOnlyList<HostLabelRule> HostLabels { get; init; } = [];

    public IReadOnlyList<ServiceAffinityRule> Affinity { get; init; } = [];

    public Reservation Reservation { get; init; } = Reservation.None;

    /// <summary>One instance on every host that passes the hard rules, instead of a scale.</summary>
    public bool Global { get; init; }
}

/// <summary>The host's label <see cref="Key"/> must (or, with <see cref="Equal"/> false, must not) be <see cref="Value"/>.</summary>
public sealed record HostLabelRule(string Key, string Value, bool Equal = true, bool Soft = false)
{
    public bool MatchedBy(IReadOnlyDictionary<string, string>? labels) =>
        (labels is not null && labels.TryGetValue(Key, out var value) && value == Value) == Equal;

    public override string ToString() => $"{Key}{(Equal ? "=" : "!=")}{Value}";
}

/// <summary>
/// Instances go where <see cref="Service"/> runs (affinity) or where it does not (<see cref="Anti"/>).
/// The service is named as <c>stack/service</c>, or by its name alone outside a stack.
/// </summary>
public sealed record ServiceAffinityRule(string Service, bool Anti = false, bool Soft = false)
{
    public bool MatchedBy(int instancesOfServiceOnHost) => Anti ? instancesOfServiceOnHost == 0 : instancesOfServiceOnHost > 0;
}

/// <summary>CPU (thousandths of a core) and memory each instance reserves on its host.</summary>
public sealed record Reservation(int CpuMillis, long MemoryBytes)
{
    public static Reservation None { get; } = new(0, 0);

    public bool IsNone => CpuMillis == 0 && MemoryBytes == 0;
}
