using System.Text.Json;
using Azure.Data.Tables;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Stacks;

namespace Rancher.Cloud.ControlPlane.Storage;

/// <summary>
/// The rows of an environment's partition, told apart by row-key prefix, and their mapping
/// to domain records. One place knows the storage shape.
/// </summary>
public static class StateRows
{
    public const string Meta = "meta";
    public const string ServicePrefix = "svc~";
    public const string ServiceNamePrefix = "svcname~";
    public const string StatusPrefix = "status~";
    public const string InstancePrefix = "inst~";
    public const string ObservedPrefix = "obs~";
    public const string HostPrefix = "host~";
    public const string PlanPrefix = "plan~";
    public const string ReplacementsPrefix = "heal~";
    public const string StackPrefix = "stack~";
    public const string StackNamePrefix = "stackname~";
    public const string SubnetPrefix = "subnet~";

    /// <summary>
    /// The environment's host-access policy as the checks read it: a guard row. A service that needs
    /// more than baseline commits together with a claim of it, and a policy change claims it too, so
    /// lowering the policy and adding a service that needs it cannot both win.
    /// </summary>
    public const string PolicyGuard = "~policy";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>An OData filter for the rows whose key starts with <paramref name="prefix"/>.</summary>
    public static string PrefixFilter(string partition, string prefix) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {prefix} and RowKey lt {prefix + '\uffff'}");

    /// <summary>
    /// A service's row, whole: its spec, its upgrade and policy, and the launch configurations it
    /// keeps for a rollback (chunked: a few specs may pass one property). Written whole, replacing
    /// the row, so no chunk of a longer history is left behind.
    /// </summary>
    public static TableEntity ToRow(string partition, Service service)
    {
        var row = new TableEntity(partition, ServicePrefix + service.Id)
        {
            ["Name"] = service.Spec.Name,
            ["Spec"] = JsonSerializer.Serialize(service.Spec, Json),
            ["Scale"] = service.Scale,
            ["CreatedAt"] = service.CreatedAt,
            ["Deleting"] = service.Deleting,
            ["Policy"] = service.Policy is { } policy ? JsonSerializer.Serialize(policy, Json) : null,
            ["Upgrade"] = service.Upgrade is { } upgrade ? JsonSerializer.Serialize(upgrade, Json) : null,
            ["CandidateOf"] = service.CandidateOf,
            ["Traffic"] = service.Traffic is { } traffic ? JsonSerializer.Serialize(traffic, Json) : null,
        };
        return service.History.Count == 0 ? row : row.WithChunks("History", JsonSerializer.Serialize(service.History, Json));
    }

    /// <summary>The row that keeps service names unique: per environment, or per stack for a stack's services.</summary>
    public static TableEntity NameRow(string partition, Service service) =>
        new(partition, ServiceNamePrefix + (service.Spec.Stack is { } stack ? $"{stack}~{service.Spec.Name}" : service.Spec.Name))
        {
            ["ServiceId"] = service.Id,
        };

    public static Service ToService(TableEntity row) => new(
        row.RowKey[ServicePrefix.Length..],
        JsonSerializer.Deserialize<ServiceSpec>(row.GetString("Spec"), Json)!,
        row.GetInt32("Scale") ?? 0,
        row.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        row.GetBoolean("Deleting") ?? false)
    {
        Policy = row.GetString("Policy") is { } policy ? JsonSerializer.Deserialize<Domain.Upgrades.UpgradePolicy>(policy, Json) : null,
        Upgrade = row.GetString("Upgrade") is { } upgrade ? JsonSerializer.Deserialize<Domain.Upgrades.Upgrade>(upgrade, Json) : null,
        History = row.Chunks("History") is { Length: > 0 } history ? JsonSerializer.Deserialize<List<ServiceVersion>>(history, Json)! : [],
        CandidateOf = row.GetString("CandidateOf"),
        Traffic = row.GetString("Traffic") is { } traffic ? JsonSerializer.Deserialize<Domain.Upgrades.TrafficSwitch>(traffic, Json) : null,
    };

    public static string InstanceKey(string serviceId, int slot) => $"{InstancePrefix}{serviceId}~{slot:D4}";

    public static TableEntity ToRow(string partition, Instance instance) => new(partition, InstanceKey(instance.ServiceId, instance.Slot))
    {
        ["InstanceId"] = instance.Id,
        ["ServiceId"] = instance.ServiceId,
        ["Slot"] = instance.Slot,
        ["HostId"] = instance.HostId,
        ["Address"] = instance.Address,
        ["Version"] = instance.Version,
        ["RetiringSince"] = instance.RetiringSince,
    };

    public static Instance ToInstance(TableEntity row) => new(
        row.GetString("InstanceId"), row.GetString("ServiceId"), row.GetInt32("Slot") ?? 0, row.GetString("HostId"))
    {
        Address = row.GetString("Address"),
        Version = row.GetString("Version"),
        RetiringSince = row.GetDateTimeOffset("RetiringSince"),
    };

    public static TableEntity ToRow(string partition, string serviceId, ServiceStatus status) => new(partition, StatusPrefix + serviceId)
    {
        ["Status"] = JsonSerializer.Serialize(status, Json),
    };

    public static ServiceStatus ToStatus(TableEntity row) =>
        JsonSerializer.Deserialize<ServiceStatus>(row.GetString("Status"), Json) ?? ServiceStatus.Placed;

    public static TableEntity ToRow(string partition, Host host) => new(partition, HostPrefix + host.Id)
    {
        ["Facts"] = JsonSerializer.Serialize(host.Facts, Json),
        ["RegisteredAt"] = host.RegisteredAt,
        ["LastSeen"] = host.LastSeen,
        ["Mode"] = host.Mode.ToString(),
        ["Subnet"] = host.Subnet,
    };

    /// <summary>The facts column of a host row, read on its own.</summary>
    public static HostFacts? FactsOf(TableEntity row) =>
        row.GetString("Facts") is { } json ? JsonSerializer.Deserialize<HostFacts>(json, Json) : null;

    public static Host ToHost(TableEntity row) => new(
        row.RowKey[HostPrefix.Length..],
        JsonSerializer.Deserialize<HostFacts>(row.GetString("Facts"), Json)!,
        row.GetDateTimeOffset("RegisteredAt") ?? DateTimeOffset.MinValue,
        row.GetDateTimeOffset("LastSeen") ?? DateTimeOffset.MinValue,
        Enum.TryParse<HostMode>(row.GetString("Mode"), out var mode) ? mode : HostMode.Active)
    {
        Subnet = row.GetString("Subnet"),
        Volumes = row.GetString(Volumes.VolumeCatalog.Column) is { } volumes
            ? JsonSerializer.Deserialize<List<ObservedVolume>>(volumes, Json)!.Select(v => v.Name).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal),
    };

    /// <summary>A stack's row (its declarations and warnings, and its services' order) and the row that keeps its name unique.</summary>
    public static TableEntity[] ToRows(string partition, string stackId, StackDefinition stack, DateTimeOffset createdAt) =>
    [
        StackNameRow(partition, stack.Name, stackId),
        StackRow(partition, stackId, stack, createdAt, stack.Services.Select(s => s.Spec.Name)),
    ];

    /// <summary>A stack's own row: its file's declarations and warnings, and the order of its services (those of the file first).</summary>
    public static TableEntity StackRow(string partition, string stackId, StackDefinition stack, DateTimeOffset createdAt, IEnumerable<string> serviceNames) =>
        new TableEntity(partition, StackPrefix + stackId)
        {
            ["Name"] = stack.Name,
            ["CreatedAt"] = createdAt,
            ["ServiceNames"] = JsonSerializer.Serialize(serviceNames, Json),
        }.WithChunks("Definition", JsonSerializer.Serialize(stack with { Services = [] }, Json));

    /// <summary>The stack row's column that orders its services, alone: for a merge that changes only it.</summary>
    public static TableEntity StackServiceNames(string partition, string stackId, IEnumerable<string> serviceNames) =>
        new(partition, StackPrefix + stackId) { ["ServiceNames"] = JsonSerializer.Serialize(serviceNames, Json) };

    public static TableEntity StackNameRow(string partition, string name, string stackId) =>
        new(partition, StackNamePrefix + name) { ["StackId"] = stackId };

    public static StoredStack ToStack(TableEntity row) => new(
        row.RowKey[StackPrefix.Length..],
        row.GetString("Name"),
        row.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        JsonSerializer.Deserialize<StackDefinition>(row.Chunks("Definition"), Json)!,
        JsonSerializer.Deserialize<List<string>>(row.GetString("ServiceNames"), Json)!);

    /// <summary>The row that claims a host /24 of the environment network, so two registrations never share one.</summary>
    public static TableEntity SubnetClaim(string partition, string subnet, string hostId) =>
        new(partition, SubnetPrefix + subnet.Replace('/', '_')) { ["HostId"] = hostId };

    /// <summary>The host row's column that keeps how its agent's concerns last stood (<see cref="HostCondition"/>s).</summary>
    public const string ConditionsColumn = "Conditions";

    public static IReadOnlyList<HostCondition>? ToConditions(TableEntity row) =>
        row.GetString(ConditionsColumn) is { } json ? JsonSerializer.Deserialize<List<HostCondition>>(json, Json) : null;

    /// <summary>The host row's column that keeps its <see cref="CloneWatch"/>.</summary>
    public const string CloneWatchColumn = "CloneWatch";

    public static CloneWatch ToCloneWatch(TableEntity row) =>
        row.GetString(CloneWatchColumn) is { } json ? JsonSerializer.Deserialize<CloneWatch>(json, Json) ?? CloneWatch.None : CloneWatch.None;

    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Json);

    public static TableEntity HeartbeatRow(string partition, string hostId, HostFacts facts, DateTimeOffset now, long appliedPlan) =>
        new(partition, HostPrefix + hostId)
        {
            ["Facts"] = JsonSerializer.Serialize(facts, Json),
            ["LastSeen"] = now,
            ["AppliedPlanVersion"] = appliedPlan,
        };

    public static TableEntity ToRow(string partition, PlanRevision revision) =>
        new TableEntity(partition, PlanPrefix + revision.Plan.HostId)
        {
            ["Version"] = revision.Plan.Version,
            ["ContentHash"] = revision.ContentHash,
        }.WithPlan(JsonSerializer.Serialize(revision.Plan, Json));

    /// <summary>
    /// A plan longer than one property is stored compressed: a large environment's peers and names,
    /// and its containers' repeated settings, shrink several times, so its plans fit a row.
    /// </summary>
    private static TableEntity WithPlan(this TableEntity row, string json) =>
        json.Length <= ChunkedProperty.Chunk
            ? row.WithChunks("Plan", json)
            : row.WithChunks("PlanGz", Convert.ToBase64String(Compressed(json)));

    private static byte[] Compressed(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest))
        {
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(text));
        }
        return buffer.ToArray();
    }

    private static string Decompressed(string base64)
    {
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(Convert.FromBase64String(base64)), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, System.Text.Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public static StoredPlan ToStoredPlan(TableEntity row) =>
        new(row.GetInt64("Version") ?? 0, row.GetString("ContentHash") ?? "");

    public static HostPlan ToPlan(TableEntity row)
        => JsonSerializer.Deserialize<HostPlan>(row.ContainsKey("PlanGz0") ? Decompressed(row.Chunks("PlanGz")) : row.Chunks("Plan"), Json)!;

    public static TableEntity ToRow(string partition, string hostId, ObservedContainer observed, string serviceId, long planVersion, DateTimeOffset now) =>
        new(partition, ObservedPrefix + observed.InstanceId)
        {
            ["HostId"] = hostId,
            ["ServiceId"] = serviceId,
            ["ContainerId"] = Trimmed(observed.ContainerId, 128),
            ["State"] = Trimmed(observed.State, 32),
            ["Error"] = Trimmed(observed.Error, 1000),
            ["PlanVersion"] = planVersion,
            ["ObservedAt"] = now,
            ["Health"] = Trimmed(observed.Health, 32),
            ["HealthOutput"] = Trimmed(observed.HealthOutput, 1000),
        };

    /// <summary>What an agent reports is kept to a bounded length; the start is what matters.</summary>
    private static string? Trimmed(string? text, int max) => text is { Length: var n } && n > max ? text[..max] : text;

    public static Observation ToObservation(TableEntity row) => new(
        row.RowKey[ObservedPrefix.Length..],
        row.GetString("HostId"),
        row.GetString("ServiceId"),
        row.GetString("State"),
        row.GetString("ContainerId"),
        row.GetString("Error"),
        row.GetString("Health"),
        row.GetString("HealthOutput"),
        row.GetDateTimeOffset("ObservedAt") ?? DateTimeOffset.MinValue);

    public static TableEntity ToRow(string partition, string serviceId, ReplacementHistory history) => new(partition, ReplacementsPrefix + serviceId)
    {
        ["History"] = JsonSerializer.Serialize(history, Json),
    };

    public static ReplacementHistory ToReplacementHistory(TableEntity row) =>
        JsonSerializer.Deserialize<ReplacementHistory>(row.GetString("History"), Json) ?? ReplacementHistory.None;
}

/// <summary>A stack as stored: its declarations (without services, which are rows of their own) and their order in its file.</summary>
public sealed record StoredStack(string Id, string Name, DateTimeOffset CreatedAt, StackDefinition Definition, IReadOnlyList<string> ServiceOrder);
