using Docker.DotNet;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rancher.Cloud.Agent;
using Rancher.Cloud.Agent.Converge;
using Rancher.Cloud.Agent.Networking;

// rancher-cloud-agent --url <control plane> --token <registration token> [--state-dir DIR] [--docker unix:///var/run/docker.sock]
var switches = new Dictionary<string, string>
{
    ["--url"] = "Agent:Url",
    ["--token"] = "Agent:Token",
    ["--state-dir"] = "Agent:StateDir",
    ["--docker"] = "Agent:Docker",
    ["--hostname"] = "Agent:Hostname",
    ["--poll-interval"] = "Agent:PollInterval",
    ["--heartbeat-interval"] = "Agent:HeartbeatInterval",
    ["--deregistration-delay"] = "Agent:DeregistrationDelay",
    ["--advertise-address"] = "Agent:AdvertiseAddress",
    ["--wireguard-port"] = "Agent:WireGuardPort",
};
// --label may repeat, which configuration cannot hold; it is read here and the rest goes on.
var labels = new Dictionary<string, string>(StringComparer.Ordinal);
var rest = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--label" && i + 1 < args.Length && args[i + 1].Split('=', 2) is [var key, var value])
    {
        labels[key] = value;
        i++;
    }
    else
    {
        rest.Add(args[i]);
    }
}
var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = [.. rest] });
builder.Configuration.AddEnvironmentVariables("RANCHER_AGENT_").AddCommandLine([.. rest], switches);
builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
builder.Services.AddOptions<AgentOptions>().Bind(builder.Configuration.GetSection("Agent")).Bind(builder.Configuration)
    .Validate(o => Uri.TryCreate(o.Url, UriKind.Absolute, out _), "--url must be the control plane's absolute URL")
    .PostConfigure(o =>
    {
        foreach (var (key, value) in labels)
        {
            o.Labels[key] = value;
        }
    });
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<IDockerClient>(sp =>
    new DockerClientBuilder().WithEndpoint(new Uri(sp.GetRequiredService<IOptions<AgentOptions>>().Value.Docker)).Build());
builder.Services.AddSingleton(sp => new ControlPlaneClient(sp.GetRequiredService<IOptions<AgentOptions>>().Value.Url, sp.GetRequiredService<ILogger<ControlPlaneClient>>()));
builder.Services.AddSingleton(sp => new HostFactsReader(
    sp.GetRequiredService<IDockerClient>(), sp.GetRequiredService<IOptions<AgentOptions>>().Value, sp.GetRequiredService<TunnelKeys>(), sp.GetRequiredService<UsedRanges>()));
builder.Services.AddSingleton<UsedRanges>();
builder.Services.AddSingleton<EnvironmentBridge>();
builder.Services.AddSingleton<TunnelKeys>();
builder.Services.AddSingleton<Tunnel>();
builder.Services.AddSingleton<DnsResponder>();
builder.Services.AddSingleton<HealthMonitor>();
// The host's concerns, in the order each pass runs them: containers need their network, checks their containers.
builder.Services.AddSingleton<IReconciler, NetworkReconciler>();
// Before containers: a balancer starts on its configuration (and certificates).
builder.Services.AddSingleton<IReconciler>(sp => new Rancher.Cloud.Agent.Balancing.BalancerReconciler(
    sp.GetRequiredService<Docker.DotNet.IDockerClient>(),
    sp.GetRequiredService<ControlPlaneClient>().CertificateAsync,
    sp.GetRequiredService<IOptions<AgentOptions>>(),
    sp.GetRequiredService<ILogger<Rancher.Cloud.Agent.Balancing.BalancerReconciler>>()));
builder.Services.AddSingleton<IReconciler, ContainerReconciler>();
builder.Services.AddSingleton<IReconciler>(sp => sp.GetRequiredService<HealthMonitor>());
builder.Services.AddSingleton<Heartbeats>();
builder.Services.AddSingleton<Rancher.Cloud.Agent.Volumes.VolumeSizes>();
builder.Services.AddSingleton<Rancher.Cloud.Agent.Volumes.VolumeTaskRunner>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<HealthMonitor>());
builder.Services.AddHostedService<AgentLoop>();

try
{
    await builder.Build().RunAsync();
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync(string.Join(Environment.NewLine, e.Failures));
    return 64;
}
return Environment.ExitCode;
