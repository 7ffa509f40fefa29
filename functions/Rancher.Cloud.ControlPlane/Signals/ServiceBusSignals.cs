using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.ControlPlane.Signals;

/// <summary>
/// Signals over Azure Service Bus (production): a session-enabled queue per environment,
/// sessions keyed by host id. Agents get a listen-only SAS token for their environment's queue.
/// </summary>
public sealed class ServiceBusSignals : IAgentSignals, IAsyncDisposable
{
    private readonly ServiceBusClient client;
    private readonly ServiceBusAdministrationClient admin;
    private readonly ServiceBusConnectionStringProperties connection;
    private readonly TimeProvider clock;
    private readonly ILogger<ServiceBusSignals> log;
    private readonly ConcurrentDictionary<string, ServiceBusSender> senders = new(StringComparer.Ordinal);

    public ServiceBusSignals(string connectionString, TimeProvider clock, ILogger<ServiceBusSignals> log)
    {
        client = new ServiceBusClient(connectionString);
        admin = new ServiceBusAdministrationClient(connectionString);
        connection = ServiceBusConnectionStringProperties.Parse(connectionString);
        this.clock = clock;
        this.log = log;
    }

    public async Task PrepareAsync(HostAddress host, CancellationToken ct)
    {
        var name = ServiceBusSignalFormat.QueueName(host.EnvironmentId);
        if (!await admin.QueueExistsAsync(name, ct))
        {
            var options = new CreateQueueOptions(name)
            {
                RequiresSession = true,
                RequiresDuplicateDetection = true,
                DefaultMessageTimeToLive = ServiceBusSignalFormat.TimeToLive,
            };
            try
            {
                await admin.CreateQueueAsync(options, ct);
            }
            catch (ServiceBusException e) when (e.Reason == ServiceBusFailureReason.MessagingEntityAlreadyExists)
            {
                // Created concurrently by another instance: what we wanted.
            }
        }
    }

    public async Task SendAsync(HostAddress host, PlanReady signal, CancellationToken ct)
    {
        var sender = senders.GetOrAdd(host.EnvironmentId, env => client.CreateSender(ServiceBusSignalFormat.QueueName(env)));
        try
        {
            await sender.SendMessageAsync(ServiceBusSignalFormat.ToMessage(signal), ct);
        }
        catch (ServiceBusException e)
        {
            log.LogWarning(e, "Signal for host {HostId} plan {Version} not sent", host.HostId, signal.PlanVersion);
        }
    }

    public SignalChannel ChannelFor(HostAddress host)
    {
        var queue = ServiceBusSignalFormat.QueueName(host.EnvironmentId);
        var expires = clock.GetUtcNow() + StorageQueueSignals.ChannelLifetime;
        var resource = $"sb://{connection.FullyQualifiedNamespace}/{queue}";
        return new SignalChannel(SignalChannel.ServiceBusKind)
        {
            Namespace = connection.FullyQualifiedNamespace,
            QueueName = queue,
            SessionId = host.HostId,
            SasToken = SasToken(resource, connection.SharedAccessKeyName, connection.SharedAccessKey, expires),
            ExpiresOn = expires,
        };
    }

    /// <summary>
    /// A Service Bus shared access signature for one entity. Note: the policy named in the
    /// connection string should be a listen-only policy on the queue in production.
    /// </summary>
    public static string SasToken(string resource, string keyName, string key, DateTimeOffset expires)
    {
        var encoded = WebUtility.UrlEncode(resource);
        var expiry = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"{encoded}\n{expiry}")));
        return $"SharedAccessSignature sr={encoded}&sig={WebUtility.UrlEncode(signature)}&se={expiry}&skn={keyName}";
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sender in senders.Values)
        {
            await sender.DisposeAsync();
        }
        await client.DisposeAsync();
    }
}
