using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.ControlPlane.Signals;

/// <summary>
/// How a <see cref="PlanReady"/> signal travels on Service Bus: one queue per environment,
/// the host id as the session id (so each agent receives only its own signals, in order),
/// and a message id that lets duplicate detection drop repeats of the same plan version.
/// </summary>
public static class ServiceBusSignalFormat
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromMinutes(10);

    public static string QueueName(string environmentId) => $"env-{environmentId}";

    public static ServiceBusMessage ToMessage(PlanReady signal) =>
        new(BinaryData.FromObjectAsJson(signal))
        {
            SessionId = signal.HostId,
            MessageId = $"{signal.HostId}-{signal.PlanVersion}",
            ContentType = "application/json",
            Subject = nameof(PlanReady),
            TimeToLive = TimeToLive,
        };

    /// <summary>Reads a received signal; null for anything that is not one (ignored, never fatal).</summary>
    public static PlanReady? FromMessage(ServiceBusReceivedMessage message)
    {
        try
        {
            var signal = message.Body.ToObjectFromJson<PlanReady>(new JsonSerializerOptions(JsonSerializerDefaults.Web));
            return signal is { HostId.Length: > 0 } && signal.HostId == message.SessionId ? signal : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
