using Azure.Storage.Queues;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Rancher.Cloud.ControlPlane;
using Rancher.Cloud.ControlPlane.Access;
using Rancher.Cloud.ControlPlane.Http;
using Rancher.Cloud.Functions;
using System.Reflection;

namespace Rancher.Cloud.SelfHost;

/// <summary>
/// Builds the self-host: the control plane's services, and every function of the app mapped
/// from its own trigger attributes — HTTP routes on Kestrel behind the shared request gate,
/// timers on their schedules, queue triggers polling Azure Storage queues.
/// </summary>
public static class SelfHostApp
{
    public static Assembly FunctionsAssembly => typeof(EnvironmentsApi).Assembly;

    /// <param name="args">Command-line arguments (e.g. <c>--urls</c>).</param>
    /// <param name="settings">Settings layered over configuration (tests, benchmarks).</param>
    /// <param name="decorate">Last say over the services, e.g. to wrap a service with measurements.</param>
    public static WebApplication Build(string[] args, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? decorate = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Azure.Core", LogLevel.Warning);
        var hostJson = HostJson.Load(Path.Combine(AppContext.BaseDirectory, "host.json"));
        var functions = FunctionCatalog.Discover(FunctionsAssembly);
        foreach (var function in functions)
        {
            FunctionInvoker.CheckBindable(function);
        }
        builder.Services.AddSingleton(hostJson);
        builder.Services.AddControlPlane(builder.Configuration);
        foreach (var function in functions)
        {
            switch (function.Trigger)
            {
                case Schedule:
                    builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<TimerTriggers>(sp, function));
                    break;
                case QueueMessages:
                    builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueTriggers>(
                        sp, sp.GetRequiredService<QueueServiceClient>(), function));
                    break;
            }
        }
        decorate?.Invoke(builder.Services);
        var app = builder.Build();
        foreach (var function in functions)
        {
            if (function.Trigger is HttpRoute http)
            {
                MapHttp(app, hostJson, function, http);
            }
        }
        return app;
    }

    /// <summary>The address Kestrel actually bound (useful with port 0).</summary>
    public static string BoundAddress(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private static void MapHttp(WebApplication app, HostJson hostJson, FunctionEntry function, HttpRoute http)
    {
        var access = function.Method.GetCustomAttribute<AccessAttribute>();
        var pattern = $"/{hostJson.RoutePrefix}/{http.Route}".Replace("//", "/", StringComparison.Ordinal);
        app.MapMethods(pattern, http.Methods.Select(m => m.ToUpperInvariant()), async context =>
        {
            var gate = context.RequestServices.GetRequiredService<RequestGate>();
            if (await gate.AdmitAsync(context, access) is { } refusal)
            {
                await ApiResults.Problem(refusal).ExecuteAsync(context);
                return;
            }
            var result = await FunctionInvoker.InvokeAsync(context.RequestServices, function.Method, new(Http: context), context.RequestAborted);
            if (result is IResult typed)
            {
                await typed.ExecuteAsync(context);
            }
            await gate.CompleteAsync(context, function.Name, context.Response.StatusCode);
        }).WithName(function.Name);
    }
}
