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
/// sessions keyed by host id. Agents get a SAS token for their environment's queue only, signed
/// with a listen-only policy that is not the control plane's own.
/// </summary>
public sealed class ServiceBusSignals : IAgentSignals, IAsyncDisposable
{
    private readonly ServiceBusClient client;
    private readonly ServiceBusAdministrationClient admin;
    private readonly ServiceBusConnectionStringProperties connection;
    private readonly ServiceBusConnectionStringProperties agentListen;
    private readonly TimeProvider clock;
    private readonly ILogger<ServiceBusSignals> log;
    private readonly ConcurrentDictionary<string, ServiceBusSender> senders = new(StringComparer.Ordinal);

    /// <param name="connectionString">The control plane's policy: it creates queues and sends.</param>
    /// <param name="agentListenConnectionString">A listen-only policy of the same namespace, whose key signs agents' tokens.</param>
    /// <param name="clock">Token expiry is counted from it.</param>
    /// <param name="log">Where unsent signals are told.</param>
    public ServiceBusSignals(string connectionString, string agentListenConnectionString, TimeProvider clock, ILogger<ServiceBusSignals> log)
    {
        connection = ServiceBusConnectionStringProperties.Parse(connectionString);
        agentListen = AgentListenPolicy(connection, agentListenConnectionString);
        client = new ServiceBusClient(connectionString);
        admin = new ServiceBusAdministrationClient(connectionString);
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
            SasToken = SasToken(resource, agentListen.SharedAccessKeyName, agentListen.SharedAccessKey, expires),
            ExpiresOn = expires,
        };
    }

    /// <summary>
    /// The policy agents' tokens are signed with: refused at start when missing, on another
    /// namespace, or the control plane's own policy (whose tokens could send and manage).
    /// </summary>
    private static ServiceBusConnectionStringProperties AgentListenPolicy(ServiceBusConnectionStringProperties control, string agentListen)
    {
        if (string.IsNullOrWhiteSpace(agentListen))
        {
            throw new InvalidOperationException("RancherCloud:ServiceBusAgentListenConnection is required with Service Bus signals: a listen-only policy's connection string, which signs agents' tokens.");
        }
        var listen = ServiceBusConnectionStringProperties.Parse(agentListen);
        if (listen.SharedAccessKeyName is null || listen.SharedAccessKey is null)
        {
            throw new InvalidOperationException("RancherCloud:ServiceBusAgentListenConnection must name a shared access policy and its key.");
        }
        if (!string.Equals(listen.FullyQualifiedNamespace, control.FullyQualifiedNamespace, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("RancherCloud:ServiceBusAgentListenConnection must be a policy of the control plane's Service Bus namespace.");
        }
        if (listen.SharedAccessKeyName == control.SharedAccessKeyName || listen.SharedAccessKey == control.SharedAccessKey)
        {
            throw new InvalidOperationException("RancherCloud:ServiceBusAgentListenConnection must be a listen-only policy of its own, not the control plane's policy.");
        }
        return listen;
    }

    /// <summary>A Service Bus shared access signature for one entity.</summary>
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
