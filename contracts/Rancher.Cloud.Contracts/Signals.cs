namespace Rancher.Cloud.Contracts;

/// <summary>
/// "A newer plan is ready for this host." Carries no secret and no plan: the agent fetches
/// the plan over HTTPS. Losing or duplicating one only delays convergence.
/// </summary>
public sealed record PlanReady(string HostId, long PlanVersion);

/// <summary>
/// Where an agent listens for <see cref="PlanReady"/> signals. <see cref="Kind"/> selects
/// the transport; the other fields are those that transport needs.
/// </summary>
public sealed record SignalChannel(string Kind)
{
    public const string StorageQueueKind = "storageQueue";
    public const string ServiceBusKind = "serviceBus";

    /// <summary>Storage queue: the queue URI with a read/process SAS, valid for a limited time.</summary>
    public string? QueueUri { get; init; }

    /// <summary>Service Bus: fully qualified namespace, e.g. <c>ns.servicebus.windows.net</c>.</summary>
    public string? Namespace { get; init; }

    /// <summary>Service Bus: the environment's queue.</summary>
    public string? QueueName { get; init; }

    /// <summary>Service Bus: the session this host receives (its host id).</summary>
    public string? SessionId { get; init; }

    /// <summary>Service Bus: a listen-only SAS token for the queue, valid for a limited time.</summary>
    public string? SasToken { get; init; }

    /// <summary>When the credential inside this channel stops working; agents refresh before then.</summary>
    public DateTimeOffset? ExpiresOn { get; init; }
}
