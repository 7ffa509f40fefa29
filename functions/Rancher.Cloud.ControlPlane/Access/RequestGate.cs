using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Rancher.Cloud.ControlPlane.Agents;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.ControlPlane.Access;

/// <summary>
/// Authenticates every HTTP request before a function runs, for both hosts (the Functions
/// worker middleware and the self-host call this one class). The caller it finds is kept on
/// the HttpContext for the function to scope its reads by.
/// </summary>
public sealed class RequestGate
{
    /// <summary>The tenant the operator's admin key acts in until tenants are managed through the API.</summary>
    public const string DefaultTenant = "t0default";

    private const string CallerKey = "rancher.cloud.caller";
    private readonly string adminKeyHash;
    private readonly HostCredentials hostCredentials;

    public RequestGate(IOptions<ControlPlaneOptions> options, HostCredentials hostCredentials)
    {
        var key = options.Value.AdminKey;
        if (key.Length < 16)
        {
            throw new InvalidOperationException("RancherCloud:AdminKey (RANCHER_CLOUD_ADMIN_KEY) must be set to at least 16 characters.");
        }
        adminKeyHash = SecretHash.Of(key);
        this.hostCredentials = hostCredentials;
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
        var bearer = BearerOf(context.Request);
        if (bearer is null)
        {
            return Unauthorized("An 'Authorization: Bearer <key>' header is required.");
        }
        Caller? caller = access.Audience switch
        {
            Audience.Tenant => SecretHash.Matches(bearer, adminKeyHash) ? new TenantCaller(DefaultTenant, "admin") : null,
            Audience.Agent => await hostCredentials.AuthenticateAsync(bearer, context.RequestAborted),
            _ => null,
        };
        if (caller is null)
        {
            return Unauthorized("The key is not valid for this API.");
        }
        context.Items[CallerKey] = caller;
        return null;
    }

    /// <summary>The caller admitted by the gate. Only reachable from functions behind it.</summary>
    public static T CallerOf<T>(HttpContext context)
        where T : Caller =>
        context.Items[CallerKey] as T ?? throw new InvalidOperationException("The request gate did not admit this request.");

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
