using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rancher.Cloud.ControlPlane.Agents;
using Rancher.Cloud.ControlPlane.Tenancy;
using Rancher.Cloud.Domain.Access;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.ControlPlane.Access;

/// <summary>
/// Authenticates and authorizes every HTTP request before a function reads anything, and
/// audits every mutation after it ran, for both hosts (the Functions worker middleware and
/// the self-host call this one class). The caller it admits is kept on the HttpContext for
/// the function to scope its reads by.
/// </summary>
public sealed class RequestGate
{
    /// <summary>The operator's own tenant, where the admin key acts as owner.</summary>
    public const string DefaultTenant = "t0default";

    /// <summary>The route value that names an environment; environment keys reach only theirs.</summary>
    public const string EnvironmentRouteValue = "envId";

    private const string CallerKey = "rancher.cloud.caller";
    private readonly string adminKeyHash;
    private readonly HostCredentials hostCredentials;
    private readonly ApiKeys apiKeys;
    private readonly AuditLog audit;
    private readonly ILogger<RequestGate> log;

    public RequestGate(IOptions<ControlPlaneOptions> options, HostCredentials hostCredentials, ApiKeys apiKeys, AuditLog audit, ILogger<RequestGate> log)
    {
        var key = options.Value.AdminKey;
        if (key.Length < 16)
        {
            throw new InvalidOperationException("RancherCloud:AdminKey (RANCHER_CLOUD_ADMIN_KEY) must be set to at least 16 characters.");
        }
        adminKeyHash = SecretHash.Of(key);
        this.hostCredentials = hostCredentials;
        this.apiKeys = apiKeys;
        this.audit = audit;
        this.log = log;
    }

    /// <summary>Null when the request may go on; otherwise why it may not.</summary>
    public async Task<Failure?> AdmitAsync(HttpContext context, AccessAttribute? access)
    {
        if (access is null)
        {
            return new Failure(FailureKind.Forbidden, "This function declares no access rule and is closed.");
        }
        if (access.Audience == Audience.Anonymous)
        {
            return null;
        }
        if (BearerOf(context.Request) is not { } bearer)
        {
            return Unauthorized("An 'Authorization: Bearer <key>' header is required.");
        }
        var admin = SecretHash.Matches(bearer, adminKeyHash);
        Caller? caller = access.Audience switch
        {
            Audience.Operator => admin ? new OperatorCaller() : null,
            Audience.Tenant => admin
                ? new TenantCaller(DefaultTenant, "admin", MembersService.AdminMember, Role.Owner)
                : await apiKeys.AuthenticateAsync(bearer, context.RequestAborted),
            Audience.Agent => await hostCredentials.AuthenticateAsync(bearer, context.RequestAborted),
            _ => null,
        };
        if (caller is null)
        {
            return Unauthorized("The key is not valid for this API.");
        }
        if (caller is TenantCaller tenant && Authorize(context, access, tenant) is { } refusal)
        {
            return refusal;
        }
        context.Items[CallerKey] = caller;
        return null;
    }

    /// <summary>Audits a tenant's mutation once its function has answered. Reads are not audited.</summary>
    public async Task CompleteAsync(HttpContext context, string functionName, int status)
    {
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
            || context.Items[CallerKey] is not TenantCaller caller)
        {
            return;
        }
        try
        {
            await audit.RecordAsync(
                caller, EnvironmentOf(context), functionName, context.Request.Method, context.Request.Path.Value ?? "",
                status, context.Connection.RemoteIpAddress?.ToString(), CancellationToken.None);
        }
        catch (Azure.RequestFailedException e)
        {
            // The change itself stands; a missing audit entry must be visible to the operator.
            log.LogError(e, "Audit entry for {Function} by {Key} not written", functionName, caller.KeyId);
        }
    }

    /// <summary>The caller admitted by the gate. Only reachable from functions behind it.</summary>
    public static T CallerOf<T>(HttpContext context)
        where T : Caller =>
        context.Items[CallerKey] as T ?? throw new InvalidOperationException("The request gate did not admit this request.");

    /// <summary>
    /// Scope before role: an environment key asking for another environment learns nothing,
    /// not even that its role would not have sufficed.
    /// </summary>
    private static Failure? Authorize(HttpContext context, AccessAttribute access, TenantCaller caller)
    {
        if (caller.EnvironmentId is { } scoped)
        {
            var asked = EnvironmentOf(context);
            if (asked is null && !access.OpenToEnvironmentKeys)
            {
                return new Failure(FailureKind.Forbidden, "This key is scoped to one environment and cannot act on the tenant.");
            }
            if (asked is not null && asked != scoped)
            {
                return Failure.NotFound("The environment");
            }
        }
        var needs = access.NeedsFor(context.Request.Method);
        return Roles.Allows(caller.Role, needs)
            ? null
            : new Failure(FailureKind.Forbidden, $"A '{Roles.NameOf(caller.Role)}' key cannot do this; it needs {needs.ToString().ToLowerInvariant()} permission.");
    }

    private static string? EnvironmentOf(HttpContext context) =>
        context.Request.RouteValues.TryGetValue(EnvironmentRouteValue, out var value) ? value?.ToString() : null;

    private static string? BearerOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        return header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && header.Length > prefix.Length
            ? header[prefix.Length..].Trim()
            : null;
    }

    private static Failure Unauthorized(string detail) => new(FailureKind.Unauthorized, detail);
}
