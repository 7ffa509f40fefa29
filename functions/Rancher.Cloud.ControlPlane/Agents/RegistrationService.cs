using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Environments;
using Rancher.Cloud.ControlPlane.Reconciliation;
using Rancher.Cloud.ControlPlane.Signals;
using Rancher.Cloud.ControlPlane.Storage;
using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Hosts;
using Rancher.Cloud.Domain.Reconcile;

namespace Rancher.Cloud.ControlPlane.Agents;

/// <summary>
/// Registration tokens, and the registration of a host with one: the host gets an id and a
/// credential of its own, and its agent a signal channel.
/// </summary>
public sealed class RegistrationService(
    Tables tables,
    EnvironmentsService environments,
    HostCredentials credentials,
    IAgentSignals signals,
    Reconciler reconciler,
    IIdGenerator ids,
    TimeProvider clock,
    IOptions<ControlPlaneOptions> options)
{
    public async Task<Outcome<RegistrationTokenView>> CreateTokenAsync(TenantCaller caller, string environmentId, CancellationToken ct)
    {
        var environment = await environments.GetAsync(caller, environmentId, ct);
        if (environment.Failure is { } failure)
        {
            return failure;
        }
        var token = $"rcr.{SecretHash.NewSecret()}";
        var now = clock.GetUtcNow();
        await tables.RegistrationTokens.AddEntityAsync(new TableEntity(SecretHash.Of(token), "")
        {
            ["TenantId"] = caller.TenantId,
            ["EnvironmentId"] = environmentId,
            ["CreatedAt"] = now,
        }, ct);
        var url = options.Value.PublicUrl.TrimEnd('/');
        var command = $"curl -fsSL {url}/install.sh | sudo sh -s -- --url {url} --token {token}";
        return new RegistrationTokenView(token, command, environmentId, now);
    }

    public async Task<Outcome<RegistrationResponse>> RegisterAsync(RegistrationRequest request, CancellationToken ct)
    {
        var errors = Validate(request);
        if (!errors.IsEmpty)
        {
            return Failure.Invalid(errors);
        }
        TableEntity token;
        try
        {
            token = (await tables.RegistrationTokens.GetEntityAsync<TableEntity>(SecretHash.Of(request.Token), "", cancellationToken: ct)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return new Failure(FailureKind.Unauthorized, "The registration token is not valid.");
        }
        var host = new HostAddress(token.GetString("TenantId"), token.GetString("EnvironmentId"), ids.NewId('h'));
        var now = clock.GetUtcNow();
        await signals.PrepareAsync(host, ct);
        var credential = await credentials.IssueAsync(host, ct);
        var partition = Tables.EnvironmentKey(host.TenantId, host.EnvironmentId);
        await tables.State.AddEntityAsync(StateRows.ToRow(partition, new Host(host.HostId, request.Facts, now, now)), ct);
        // The first plan exists before the agent asks for it, and waiting services get placed.
        await reconciler.ReconcileAsync(host.TenantId, host.EnvironmentId, ct);
        return new RegistrationResponse(host.HostId, host.EnvironmentId, credential, signals.ChannelFor(host));
    }

    private static FieldErrors Validate(RegistrationRequest request)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrEmpty(request.Token))
        {
            errors.Add("token", "is required");
        }
        if (request.Facts is not { } facts)
        {
            errors.Add("facts", "is required");
            return errors;
        }
        if (string.IsNullOrWhiteSpace(facts.Hostname) || facts.Hostname.Length > 253)
        {
            errors.Add("facts.hostname", "is required and at most 253 characters");
        }
        if (facts.Cpus < 1)
        {
            errors.Add("facts.cpus", "must be at least 1");
        }
        if (facts.MemoryBytes < 0)
        {
            errors.Add("facts.memoryBytes", "must not be negative");
        }
        return errors;
    }
}
