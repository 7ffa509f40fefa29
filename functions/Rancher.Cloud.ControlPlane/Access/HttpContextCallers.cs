using Microsoft.AspNetCore.Http;

namespace Rancher.Cloud.ControlPlane.Access;

/// <summary>Reads the admitted caller off a request inside a function.</summary>
public static class HttpContextCallers
{
    public static TenantCaller Tenant(this HttpRequest request) => RequestGate.CallerOf<TenantCaller>(request.HttpContext);

    public static HostCaller Host(this HttpRequest request) => RequestGate.CallerOf<HostCaller>(request.HttpContext);
}
