using Rancher.Cloud.SelfHost;

// Local host of the function app: `dotnet run --project functions/Rancher.Cloud.SelfHost -- --urls http://127.0.0.1:8080`
var app = SelfHostApp.Build(args);
await app.RunAsync();
