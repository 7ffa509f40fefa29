using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Http;

namespace Rancher.Cloud.Functions;

/// <summary>
/// Puts every HTTP invocation under the Functions host through the same <see cref="RequestGate"/>
/// the self-host uses. Timer and queue invocations carry no HTTP context and pass through.
/// </summary>
public sealed class RequestGateMiddleware(RequestGate gate) : IFunctionsWorkerMiddleware
{
    private static readonly ConcurrentDictionary<string, AccessAttribute?> AccessByEntryPoint = new(StringComparer.Ordinal);

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.GetHttpContext();
        if (http is null)
        {
            await next(context);
            return;
        }
        var access = AccessByEntryPoint.GetOrAdd(context.FunctionDefinition.EntryPoint, AccessOf);
        // The gate scopes environment keys by the route's envId; hand it over from the binding data.
        if (context.BindingContext.BindingData.TryGetValue(RequestGate.EnvironmentRouteValue, out var envId) && envId is not null)
        {
            http.Request.RouteValues[RequestGate.EnvironmentRouteValue] = envId.ToString();
        }
        if (await gate.AdmitAsync(http, access) is { } refusal)
        {
            context.GetInvocationResult().Value = ApiResults.Problem(refusal);
            return;
        }
        await next(context);
        var status = context.GetInvocationResult().Value is IStatusCodeHttpResult { StatusCode: { } code } ? code : http.Response.StatusCode;
        await gate.CompleteAsync(http, context.FunctionDefinition.Name, status);
    }

    /// <summary>Finds the function method from its entry point ("Namespace.Type.Method") and reads its access rule.</summary>
    private static AccessAttribute? AccessOf(string entryPoint)
    {
        var split = entryPoint.LastIndexOf('.');
        var type = typeof(RequestGateMiddleware).Assembly.GetType(entryPoint[..split]);
        return type?.GetMethod(entryPoint[(split + 1)..], BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            ?.GetCustomAttribute<AccessAttribute>();
    }
}
