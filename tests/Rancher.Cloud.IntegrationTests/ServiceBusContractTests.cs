using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging.Abstractions;
using Rancher.Cloud.Agent.Signals;
using Rancher.Cloud.ControlPlane.Signals;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.IntegrationTests;

/// <summary>
/// Contract tests for the Service Bus signal transport, built on the SDK's own test models
/// (<see cref="ServiceBusModelFactory"/>), since no Service Bus emulator runs here. They pin
/// what both sides agree on: queue per environment, session per host, dedupable ids, no secrets.
/// </summary>
public sealed class ServiceBusContractTests
{
    private const string Connection = "Endpoint=sb://rancher-test.servicebus.windows.net/;SharedAccessKeyName=control-plane;SharedAccessKey=Y29udHJvbC1wbGFuZS1rZXk=";

    private const string AgentListen = "Endpoint=sb://rancher-test.servicebus.windows.net/;SharedAccessKeyName=agents-listen;SharedAccessKey=c2VjcmV0LWtleS1mb3ItdGVzdHM=";

    private static ServiceBusReceivedMessage Received(ServiceBusMessage sent, string? sessionId = null) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: sent.Body,
            messageId: sent.MessageId,
            sessionId: sessionId ?? sent.SessionId,
            contentType: sent.ContentType,
            subject: sent.Subject,
            timeToLive: sent.TimeToLive);

    [Fact]
    public void A_signal_travels_in_its_hosts_session_and_reads_back_unchanged()
    {
        var signal = new PlanReady("hhost1", 7);

        var message = ServiceBusSignalFormat.ToMessage(signal);

        Assert.Equal("hhost1", message.SessionId);
        Assert.Equal(signal, ServiceBusSignalFormat.FromMessage(Received(message)));
    }

    [Fact]
    public void Repeats_of_one_plan_version_share_a_message_id_so_duplicate_detection_drops_them()
    {
        var first = ServiceBusSignalFormat.ToMessage(new PlanReady("hhost1", 7));
        var again = ServiceBusSignalFormat.ToMessage(new PlanReady("hhost1", 7));
        var next = ServiceBusSignalFormat.ToMessage(new PlanReady("hhost1", 8));

        Assert.Equal(first.MessageId, again.MessageId);
        Assert.NotEqual(first.MessageId, next.MessageId);
    }

    [Fact]
    public void Signals_expire_and_carry_no_secret()
    {
        var message = ServiceBusSignalFormat.ToMessage(new PlanReady("hhost1", 7));

        Assert.Equal(ServiceBusSignalFormat.TimeToLive, message.TimeToLive);
        Assert.Equal("""{"HostId":"hhost1","PlanVersion":7}""", message.Body.ToString());
    }

    [Fact]
    public void A_message_from_another_session_or_not_a_signal_is_ignored()
    {
        var message = ServiceBusSignalFormat.ToMessage(new PlanReady("hhost1", 7));

        Assert.Null(ServiceBusSignalFormat.FromMessage(Received(message, sessionId: "hother")));
        Assert.Null(ServiceBusSignalFormat.FromMessage(ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: BinaryData.FromString("not json"), sessionId: "hhost1")));
    }

    [Fact]
    public void One_queue_per_environment()
    {
        Assert.Equal("env-eabc", ServiceBusSignalFormat.QueueName("eabc"));
        Assert.NotEqual(ServiceBusSignalFormat.QueueName("eabc"), ServiceBusSignalFormat.QueueName("edef"));
    }

    [Fact]
    public async Task The_agent_channel_is_a_signed_expiring_token_for_its_environment_queue_and_session()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var signals = new ServiceBusSignals(Connection, AgentListen, clock, NullLogger<ServiceBusSignals>.Instance);

        var channel = signals.ChannelFor(new HostAddress("t1", "eabc", "hhost1"));

        Assert.Equal(SignalChannel.ServiceBusKind, channel.Kind);
        Assert.Equal("rancher-test.servicebus.windows.net", channel.Namespace);
        Assert.Equal("env-eabc", channel.QueueName);
        Assert.Equal("hhost1", channel.SessionId);
        Assert.Equal(clock.GetUtcNow() + StorageQueueSignals.ChannelLifetime, channel.ExpiresOn);
        var fields = channel.SasToken!["SharedAccessSignature ".Length..].Split('&')
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => WebUtility.UrlDecode(p[1]));
        Assert.Equal("sb://rancher-test.servicebus.windows.net/env-eabc", fields["sr"]);
        Assert.Equal("agents-listen", fields["skn"]);
        Assert.Equal(channel.ExpiresOn!.Value.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), fields["se"]);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(
            Encoding.UTF8.GetBytes("c2VjcmV0LWtleS1mb3ItdGVzdHM="),
            Encoding.UTF8.GetBytes($"{WebUtility.UrlEncode(fields["sr"])}\n{fields["se"]}")));
        Assert.Equal(expected, fields["sig"]);
        Assert.DoesNotContain("c2VjcmV0LWtleS1mb3ItdGVzdHM=", channel.SasToken, StringComparison.Ordinal);
        // Signed by the listen-only policy, never by the control plane's, and naming only its own environment's queue.
        var byControlPlane = Convert.ToBase64String(HMACSHA256.HashData(
            Encoding.UTF8.GetBytes("Y29udHJvbC1wbGFuZS1rZXk="),
            Encoding.UTF8.GetBytes($"{WebUtility.UrlEncode(fields["sr"])}\n{fields["se"]}")));
        Assert.NotEqual(byControlPlane, fields["sig"]);
        Assert.DoesNotContain("control-plane", channel.SasToken, StringComparison.Ordinal);
        var other = signals.ChannelFor(new HostAddress("t1", "edef", "hhost2"));
        Assert.DoesNotContain("env-eabc", other.SasToken, StringComparison.Ordinal);
        Assert.NotEqual(channel.SasToken, other.SasToken);
    }

    [Theory]
    [InlineData("")]
    [InlineData(Connection)]
    [InlineData("Endpoint=sb://another.servicebus.windows.net/;SharedAccessKeyName=agents-listen;SharedAccessKey=c2VjcmV0LWtleS1mb3ItdGVzdHM=")]
    [InlineData("Endpoint=sb://rancher-test.servicebus.windows.net/;SharedAccessKeyName=agents-listen;SharedAccessKey=Y29udHJvbC1wbGFuZS1rZXk=")]
    public void Agents_tokens_are_never_signed_with_the_control_planes_policy_or_another_namespaces(string agentListen)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => new ServiceBusSignals(Connection, agentListen, TimeProvider.System, NullLogger<ServiceBusSignals>.Instance));
        Assert.Contains("ServiceBusAgentListenConnection", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_agent_listens_on_service_bus_when_the_channel_says_so_and_polls_otherwise()
    {
        var serviceBus = new SignalChannel(SignalChannel.ServiceBusKind)
        {
            Namespace = "rancher-test.servicebus.windows.net", QueueName = "env-eabc", SessionId = "hhost1", SasToken = "SharedAccessSignature sr=x&sig=y&se=1&skn=z",
        };
        await using var listening = SignalSources.For(serviceBus);
        await using var unknown = SignalSources.For(new SignalChannel("carrier-pigeon"));

        Assert.IsType<ServiceBusSignalSource>(listening);
        Assert.False(await unknown.WaitAsync(TimeSpan.FromMilliseconds(10), CancellationToken.None));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
