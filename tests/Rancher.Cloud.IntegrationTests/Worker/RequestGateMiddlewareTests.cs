using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Invocation;
using Microsoft.Azure.Functions.Worker.Middleware;
using Rancher.Cloud.ControlPlane;
using Rancher.Cloud.Functions;
using Rancher.Cloud.IntegrationTests.Infrastructure;

namespace Rancher.Cloud.IntegrationTests.Worker;

/// <summary>
/// The gate on its production path: <see cref="RequestGateMiddleware"/> in the Functions worker's
/// own middleware pipeline (built as Program.cs builds it, never connected to a host), taking the
/// route's envId from the invocation's binding data.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class RequestGateMiddlewareTests(SelfHostedControlPlane controlPlane)
{
    private sealed class RecordingExecutor : IFunctionExecutor
    {
        public int Runs { get; private set; }

        public ValueTask ExecuteAsync(FunctionContext context)
        {
            Runs++;
            context.GetInvocationResult().Value = Results.Ok();
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task The_worker_pipeline_admits_by_key_and_scopes_environment_keys_by_the_binding_datas_envId()
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = controlPlane.StorageConnection,
            ["RancherCloud:AdminKey"] = SelfHostedControlPlane.AdminKey,
        });
        builder.ConfigureFunctionsWebApplication();
        builder.UseMiddleware<RequestGateMiddleware>();
        builder.Services.AddControlPlane(builder.Configuration);
        using var host = builder.Build(); // never started: nothing connects to a Functions host
        var pipeline = host.Services.GetRequiredService<FunctionExecutionDelegate>();

        var tenant = await Tenant.CreateAsync(controlPlane, "gated");
        using var owner = tenant.Client(controlPlane);
        var prod = await owner.CreateEnvironmentAsync("prod");
        var staging = await owner.CreateEnvironmentAsync("staging");
        var scoped = await tenant.MemberWithKeyAsync(controlPlane, "member", staging);
        var listServices = typeof(ServicesApi).GetMethod(nameof(ServicesApi.ListServices))!;

        async Task<(int? Status, int Runs)> InvokeAsync(string? key, string envId)
        {
            using var scope = host.Services.CreateScope();
            var executor = new RecordingExecutor();
            var context = new HostlessFunctionContext(listServices, new Dictionary<string, object?> { ["envId"] = envId }, scope.ServiceProvider, executor);
            var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
            http.Request.Method = "GET";
            http.Request.Path = $"/api/v1/environments/{envId}/services";
            if (key is not null)
            {
                http.Request.Headers.Authorization = $"Bearer {key}";
            }
            context.Items["HttpRequestContext"] = http;
            await pipeline(context);
            var result = context.GetInvocationResult().Value;
            return ((result as IStatusCodeHttpResult)?.StatusCode, executor.Runs);
        }

        Assert.Equal((401, 0), await InvokeAsync(null, prod));
        Assert.Equal((401, 0), await InvokeAsync("rck.not-a-key", prod));
        // The key is scoped to staging: the envId in the binding data decides, as the route's would.
        Assert.Equal(0, (await InvokeAsync(scoped.Key, prod)).Runs);
        Assert.NotEqual(200, (await InvokeAsync(scoped.Key, prod)).Status);
        Assert.Equal((200, 1), await InvokeAsync(scoped.Key, staging));
        Assert.Equal((200, 1), await InvokeAsync(tenant.OwnerKey, prod));
    }
}
