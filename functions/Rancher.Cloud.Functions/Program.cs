using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Rancher.Cloud.ControlPlane;
using Rancher.Cloud.Functions;

// The Azure Functions (isolated worker) entry point. Locally and in tests the same function
// classes run under Rancher.Cloud.SelfHost instead.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<RequestGateMiddleware>();
builder.Services.AddControlPlane(builder.Configuration);
builder.Build().Run();
