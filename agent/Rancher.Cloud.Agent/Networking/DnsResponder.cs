using System.Collections.Frozen;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Agent.Networking;

/// <summary>
/// Service discovery for the host's containers: a DNS server (ARSoft.Tools.Net) on the
/// environment bridge's gateway address. Names under the environment's domain are answered from
/// the plan (an unknown one is NXDOMAIN at once), and so are names relative to it (<c>web.shop</c>);
/// everything else goes to the host's own
/// resolvers. A new plan swaps the names in one step, so answers follow it as soon as it arrives.
/// </summary>
public sealed class DnsResponder(ILogger<DnsResponder> log) : IAsyncDisposable
{
    private const int Ttl = 5;
    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile Zone zone = new("", FrozenDictionary<string, Answer>.Empty);
    private DnsServer? server;
    private IPAddress? bound;
    private DnsClient? upstream;

    /// <summary>Serves <paramref name="dns"/> on <paramref name="network"/>'s gateway, (re)binding when the gateway changes.</summary>
    public async Task ApplyAsync(PlannedNetwork network, PlannedDns dns, CancellationToken ct)
    {
        // Every converge pass comes here with the plan it holds; the names are rebuilt only from a newly fetched one.
        if (!ReferenceEquals(dns, zone.Source))
        {
            zone = new Zone(
                dns.Domain.ToLowerInvariant(),
                dns.Records.ToFrozenDictionary(r => r.Name.ToLowerInvariant(), r => new Answer(r.Addresses.Select(IPAddress.Parse).ToArray(), r.Cname), StringComparer.Ordinal))
            {
                Source = dns,
            };
        }
        var gateway = IPAddress.Parse(network.Gateway);
        if (gateway.Equals(bound))
        {
            return;
        }
        await gate.WaitAsync(ct);
        try
        {
            server?.Stop();
            upstream ??= Upstream();
            server = new DnsServer([new UdpServerTransport(new IPEndPoint(gateway, 53), 5000), new TcpServerTransport(new IPEndPoint(gateway, 53), 5000, 30000)]);
            server.QueryReceived += AnswerAsync;
            server.Start();
            bound = gateway;
            log.LogInformation("DNS for {Domain} on {Gateway}:53", dns.Domain, gateway);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Answers a name under the environment's domain from the plan; forwards anything else.</summary>
    private async Task AnswerAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is not DnsMessage query || query.Questions.Count != 1)
        {
            return;
        }
        var question = query.Questions[0];
        var name = question.Name.ToString().TrimEnd('.').ToLowerInvariant();
        var current = zone;
        var response = query.CreateResponseInstance();
        // "web.shop" and "shop-web-1" asked as they are (resolvers try names with a dot as given
        // first) are the environment's own, as Rancher's DNS answered them: no trip upstream.
        var relative = current.Domain.Length > 0 && current.Records.ContainsKey($"{name}.{current.Domain}");
        if (relative || (current.Domain.Length > 0 && (name == current.Domain || name.EndsWith("." + current.Domain, StringComparison.Ordinal))))
        {
            response.IsAuthoritiveAnswer = true;
            if (current.Records.TryGetValue(relative ? $"{name}.{current.Domain}" : name, out var answer))
            {
                if (answer.Cname is { } target)
                {
                    // The resolver follows the CNAME itself (an external service's host name).
                    response.AnswerRecords.Add(new CNameRecord(question.Name, Ttl, DomainName.Parse(target)));
                }
                else if (question.RecordType is RecordType.A or RecordType.Any)
                {
                    response.AnswerRecords.AddRange(answer.Addresses.Select(a => new ARecord(question.Name, Ttl, a)));
                }
                response.ReturnCode = ReturnCode.NoError;
            }
            else
            {
                response.ReturnCode = ReturnCode.NxDomain;
            }
            e.Response = response;
            return;
        }
        e.Response = await ForwardAsync(query, question, response);
    }

    private async Task<DnsMessageBase> ForwardAsync(DnsMessage query, DnsQuestion question, DnsMessage response)
    {
        try
        {
            var answer = upstream is null ? null : await upstream.ResolveAsync(question.Name, question.RecordType, question.RecordClass);
            if (answer is not null)
            {
                answer.TransactionID = query.TransactionID;
                return answer;
            }
        }
        catch (Exception ex) when (ex is TimeoutException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            log.LogDebug("Upstream DNS failed for {Name}: {Error}", question.Name, ex.Message);
        }
        response.ReturnCode = ReturnCode.ServerFailure;
        return response;
    }

    /// <summary>The host's resolvers from /etc/resolv.conf (where the agent runs, so loopback ones work too).</summary>
    private static DnsClient? Upstream()
    {
        var servers = File.Exists("/etc/resolv.conf")
            ? File.ReadAllLines("/etc/resolv.conf")
                .Select(l => l.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                .Where(w => w is ["nameserver", _, ..] && IPAddress.TryParse(w[1], out _))
                .Select(w => IPAddress.Parse(w[1]))
                .ToList()
            : [];
        return servers.Count == 0 ? null : new DnsClient(servers, 1000);
    }

    public ValueTask DisposeAsync()
    {
        server?.Stop();
        gate.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed record Zone(string Domain, FrozenDictionary<string, Answer> Records)
    {
        /// <summary>The plan's names this zone was built from.</summary>
        public PlannedDns? Source { get; init; }
    }

    private sealed record Answer(IPAddress[] Addresses, string? Cname);
}
