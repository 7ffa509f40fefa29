using System.Globalization;
using Rancher.Cloud.Benchmarks;

// dotnet run -c Release --project benchmarks/Rancher.Cloud.Benchmarks -- deploy [--count 20] [--rounds 5]
//   … agents [--agents 1000] [--environments 10] [--seconds 60]
//   … footprint [--minutes 10] [--count 20]
//   … scheduler [--instances 100000] [--hosts 10000]
//   … overlay [--seconds 5] [--rounds 3]
//   … dns [--seconds 10]
//   … attacks [--seconds 20]
//   … balancer [--seconds 10] [--rounds 3]
//   … upgrade [--count 10] [--rounds 3]
//   … backup [--mib 1024]
// (or scripts/bench.sh deploy, which first makes sure Docker, Azurite and the test image are there)
var command = args.FirstOrDefault() ?? "deploy";
int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

switch (command)
{
    case "deploy":
        await DeployBenchmark.RunAsync(Option("--count", 20), Option("--rounds", 5));
        return 0;
    case "agents":
        await AgentLoadBenchmark.RunAsync(Option("--agents", 1000), Option("--environments", 10), Option("--seconds", 60));
        return 0;
    case "footprint":
        await FootprintBenchmark.RunAsync(Option("--minutes", 10), Option("--count", 20));
        return 0;
    case "scheduler":
        SchedulerBenchmark.Run(Option("--instances", 100_000), Option("--hosts", 10_000));
        return 0;
    case "overlay":
        await OverlayBenchmark.RunAsync(Option("--seconds", 5), Option("--rounds", 3));
        return 0;
    case "dns":
        await DnsBenchmark.RunAsync(Option("--seconds", 10));
        return 0;
    case "balancer":
        await BalancerBenchmark.RunAsync(Option("--seconds", 10), Option("--rounds", 3));
        return 0;
    case "upgrade":
        await UpgradeBenchmark.RunAsync(Option("--count", 10), Option("--rounds", 3));
        return 0;
    case "backup":
        await BackupBenchmark.RunAsync(Option("--mib", 1024));
        return 0;
    case "attacks":
        await AttackBenchmark.RunAsync(Option("--seconds", 20));
        return 0;
    case "dns-probe":
        await DnsBenchmark.ProbeAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture));
        return 0;
    default:
        await Console.Error.WriteLineAsync($"unknown benchmark '{command}'; known: deploy, agents, footprint, scheduler, overlay, dns, attacks, balancer, upgrade, backup");
        return 64;
}
