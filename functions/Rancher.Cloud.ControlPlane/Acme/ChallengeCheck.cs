using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Rancher.Cloud.ControlPlane.Storage;

namespace Rancher.Cloud.ControlPlane.Acme;

/// <summary>
/// Waits, before the ACME directory is told to look, until the balancers answer a challenge: each
/// host whose plan carries it is asked as the directory will ask (http on port 80, the hostname
/// in Host). A directory that looks too early fails the order, and failed validations are
/// rationed. Not answered within <see cref="Patience"/>, the order stops before the directory is
/// asked, and says which hosts did not answer.
/// </summary>
public sealed class ChallengeCheck(Tables tables, ILogger<ChallengeCheck> log)
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(2), AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromSeconds(3),
        MaxResponseContentBufferSize = 4096,
    };

    public async Task AnsweredAsync(string partition, IReadOnlyList<AcmeChallenge> challenges, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + Patience;
        var unanswered = new List<string>();
        var pause = TimeSpan.FromMilliseconds(250);
        while (DateTimeOffset.UtcNow < deadline)
        {
            var addresses = await AddressesAsync(partition, challenges, ct);
            unanswered.Clear();
            foreach (var address in addresses)
            {
                foreach (var challenge in challenges)
                {
                    if (!await AnswersAsync(address, challenge, ct))
                    {
                        unanswered.Add($"{address} ({challenge.Hostname})");
                    }
                }
            }
            if (addresses.Count > 0 && unanswered.Count == 0)
            {
                return;
            }
            await Task.Delay(pause, ct);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
        var who = unanswered.Count > 0
            ? $"port {Domain.Balancing.BalancerService.AcmeChallengePort} of {string.Join(", ", unanswered.Distinct())} did not answer the challenge"
            : "no running balancer with an http rule on port 80 and a known host address carried the challenge";
        log.LogWarning("ACME challenge not answered within {Patience}: {Who}", Patience, who);
        throw new AcmeOrderFailedException($"{who} within {Patience.TotalSeconds:0} s, so the ACME directory was not asked to check it");
    }

    /// <summary>Where the balancers that carry all of the challenges in their plans run: their hosts' addresses.</summary>
    private async Task<IReadOnlyList<string>> AddressesAsync(string partition, IReadOnlyList<AcmeChallenge> challenges, CancellationToken ct)
    {
        var tokens = challenges.Select(c => c.Token).ToHashSet(StringComparer.Ordinal);
        var hosts = new Dictionary<string, Domain.Hosts.Host>(StringComparer.Ordinal);
        await foreach (var row in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, StateRows.HostPrefix), cancellationToken: ct))
        {
            var host = StateRows.ToHost(row);
            hosts[host.Id] = host;
        }
        var addresses = new List<string>();
        await foreach (var row in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, StateRows.PlanPrefix), cancellationToken: ct))
        {
            var plan = StateRows.ToPlan(row);
            var carries = plan.Containers.Any(c => c.Balancer is { } b && tokens.IsSubsetOf(b.Challenges.Select(ch => ch.Token)));
            if (carries && hosts.GetValueOrDefault(plan.HostId)?.Facts.Endpoint is { } endpoint && Address(endpoint) is { } address)
            {
                addresses.Add(address);
            }
        }
        return addresses;
    }

    private static string? Address(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        var host = colon > 0 ? endpoint[..colon] : endpoint;
        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString()) : null;
    }

    private static async Task<bool> AnswersAsync(string address, AcmeChallenge challenge, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{address}:{Domain.Balancing.BalancerService.AcmeChallengePort}/.well-known/acme-challenge/{challenge.Token}");
            request.Headers.Host = challenge.Hostname;
            using var response = await Http.SendAsync(request, ct);
            return response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync(ct)).Trim() == challenge.KeyAuthorization;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
