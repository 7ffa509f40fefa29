using Azure;
using Azure.Data.Tables;
using Rancher.Cloud.ControlPlane.Reconciliation;
using Rancher.Cloud.ControlPlane.Signals;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Networking;
using Rancher.Cloud.Domain.Reconcile;

namespace Rancher.Cloud.ControlPlane.Agents;

/// <summary>
/// Registration tokens, and the registration of a host with one: the host gets an id and a
/// credential of its own, and its agent a signal channel.
/// </summary>
public sealed class RegistrationService(
    Tables tables,
    RegistrationTokens tokens,
    HostCredentials credentials,
    IAgentSignals signals,
    Reconciler reconciler,
    IIdGenerator ids,
    TimeProvider clock)
{
    public async Task<Outcome<RegistrationResponse>> RegisterAsync(RegistrationRequest request, CancellationToken ct)
    {
        var errors = Validate(request);
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        if (await tokens.AuthenticateAsync(request.Token, ct) is not var (tenantId, environmentId, _))
        {
            return new Failure(FailureKind.Unauthorized, "The registration token is not valid.");
        }
        var partition = Tables.EnvironmentKey(tenantId, environmentId);
        var host = new HostAddress(tenantId, environmentId, await HostIdForAsync(partition, request.RegistrationId, ct));
        var now = clock.GetUtcNow();
        var earlier = await ExistingHostAsync(partition, host.HostId, ct);
        if (earlier?.Mode == HostMode.Removed)
        {
            return Failure.Conflict("This host was removed from the environment; install the agent afresh (without its old state) to register it as a new host.");
        }
        var subnet = earlier?.Subnet ?? await ClaimSubnetAsync(partition, host.HostId, MachineRanges.Parse(request.Facts.UsedRanges), ct);
        if (subnet.Failure is { } full)
        {
            return full;
        }
        await signals.PrepareAsync(host, ct);
        // A retried registration (same registration id) gets the same host and a fresh
        // credential; the credential of the attempt whose answer was lost stops working.
        var credential = await credentials.IssueAsync(host, ct);
        // A retry keeps what the operator decided about the host and when it first registered.
        var registered = new Host(host.HostId, request.Facts, earlier?.RegisteredAt ?? now, now, earlier?.Mode ?? HostMode.Active)
        {
            Subnet = subnet.Value,
        };
        List<TableTransactionAction> writes = [new(TableTransactionActionType.UpsertReplace, StateRows.ToRow(partition, registered))];
        if (earlier is null)
        {
            writes.Add(Events.EventRows.Add(partition, new(Domain.Events.EventTypes.HostRegistered, host.HostId, $"host {request.Facts.Hostname} registered"), now));
        }
        await tables.State.SubmitTransactionAsync(writes, ct);
        // The first plan exists before the agent asks for it, and waiting services get placed.
        await reconciler.ReconcileAsync(host.TenantId, host.EnvironmentId, ct);
        return new RegistrationResponse(host.HostId, host.EnvironmentId, credential, signals.ChannelFor(host));
    }

    /// <summary>
    /// Claims the lowest free /24 of the environment network for a new host. The claim is a row
    /// of its own, so two hosts registering at once never get the same one.
    /// </summary>
    private async Task<Outcome<string?>> ClaimSubnetAsync(string partition, string hostId, IReadOnlyList<Ipv4Cidr> machineUses, CancellationToken ct)
    {
        var meta = await tables.State.FindAsync(partition, StateRows.Meta, ct);
        if (!Ipv4Cidr.TryParse(meta?.GetString("Cidr"), out var cidr))
        {
            return (string?)null; // an environment from before networks: its hosts run without one
        }
        var taken = new List<Ipv4Cidr>();
        await foreach (var claim in tables.State.QueryAsync<TableEntity>(StateRows.PrefixFilter(partition, StateRows.SubnetPrefix), cancellationToken: ct))
        {
            taken.Add(Ipv4Cidr.Parse(claim.RowKey[StateRows.SubnetPrefix.Length..].Replace('_', '/')));
        }
        while (EnvironmentNetwork.NextHostSubnet(cidr, taken, machineUses) is { } next)
        {
            try
            {
                await tables.State.AddEntityAsync(StateRows.SubnetClaim(partition, next.ToString(), hostId), ct);
                return next.ToString();
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                taken.Add(next); // another host registering at the same moment took it
            }
        }
        var clashes = machineUses.Where(r => r.Overlaps(cidr)).ToList();
        return Failure.Conflict(clashes.Count > 0
            ? $"No /24 of the environment network {cidr} is free and clear of what this machine already uses ({string.Join(", ", clashes)}); free those ranges, or use an environment with another network."
            : $"The environment network {cidr} has no free /24 for another host; remove hosts, or use an environment with a larger network.");
    }

    private async Task<Host?> ExistingHostAsync(string partition, string hostId, CancellationToken ct) =>
        await tables.State.FindAsync(partition, StateRows.HostPrefix + hostId, ct) is { } row ? StateRows.ToHost(row) : null;

    /// <summary>
    /// The host id a registration attempt claims, recorded before the host exists, so an agent
    /// that crashed before saving its identity registers as the same host when it retries.
    /// </summary>
    private async Task<string> HostIdForAsync(string partition, string? registrationId, CancellationToken ct)
    {
        var hostId = ids.NewId('h');
        if (registrationId is null)
        {
            return hostId;
        }
        try
        {
            await tables.RegistrationTokens.AddEntityAsync(new TableEntity(partition, $"reg~{registrationId}") { ["HostId"] = hostId }, ct);
            return hostId;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return (await tables.RegistrationTokens.GetEntityAsync<TableEntity>(partition, $"reg~{registrationId}", cancellationToken: ct)).Value.GetString("HostId");
        }
    }

    private static FieldErrors Validate(RegistrationRequest request)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrEmpty(request.Token) || request.Token.Length > 512)
        {
            errors.Add("token", "is required");
        }
        if (request.RegistrationId is { } id && (id.Length < 16 || !RandomIds.IsWellFormed(id)))
        {
            errors.Add("registrationId", "must be 16 to 64 letters and digits");
        }
        return HostFactsRules.Check(request.Facts, "facts", errors);
    }
}
