using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Networking;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>DNS names for services and containers: only running, healthy instances answer.</summary>
public sealed class ServiceDiscoveryTests
{
    [Fact]
    public void Services_and_containers_get_names_and_only_healthy_running_instances_answer()
    {
        var check = new HealthCheck("tcp", [], 80, "", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 1, TimeSpan.Zero);
        var web = Given.Service("s1", "web", 3) with { Spec = Given.Spec("web") with { Stack = "shop", HealthCheck = check } };
        var db = Given.Service("s2", "db", 1);
        var services = new[] { web, db }.ToDictionary(s => s.Id);
        var instances = new[]
        {
            new Instance("i1", "s1", 1, "h1") { Address = "10.42.0.2" },
            new Instance("i2", "s1", 2, "h2") { Address = "10.42.1.2" },
            new Instance("i3", "s1", 3, "h2") { Address = "10.42.1.3" },
            new Instance("i4", "s2", 1, "h1") { Address = "10.42.0.3" },
        };
        var observed = new Dictionary<string, ObservedState>
        {
            ["i1"] = new(ContainerStates.Running, HealthStates.Healthy),
            ["i2"] = new(ContainerStates.Running, HealthStates.Unhealthy),
            ["i3"] = new(ContainerStates.Starting, null),
            ["i4"] = new(ContainerStates.Running, null),
        };

        var dns = ServiceDiscovery.Records("prod", services, instances, observed);

        Assert.Equal("prod.rancher.internal", dns.Domain);
        var records = dns.Records.ToDictionary(r => r.Name, r => r.Addresses);
        Assert.Equal(["10.42.0.2"], records["web.shop.prod.rancher.internal"]);
        Assert.Equal(["10.42.0.2"], records["shop-web-1.prod.rancher.internal"]);
        Assert.False(records.ContainsKey("shop-web-2.prod.rancher.internal"));
        Assert.Equal(["10.42.0.3"], records["db.default.prod.rancher.internal"]);
    }

    [Fact]
    public void Plans_carry_the_names_and_change_when_an_instance_starts_answering()
    {
        var env = new EnvironmentModel();
        env.Hosts.Add(Given.Host("h1") with { Subnet = "10.42.0.0/24" });
        env.Services.Add(Given.Service("s1", "web", 1));
        env.Settle();
        Assert.Empty(env.PlanContents["h1"].Dns!.Records.Single(r => r.Name == "web.default.e1.rancher.internal").Addresses);
        var before = env.Plans["h1"].Version;

        env.Observed[env.Instances.Single().Id] = new ObservedState(ContainerStates.Running, null);
        env.Settle();

        Assert.Equal(before + 1, env.Plans["h1"].Version);
        Assert.Equal(["10.42.0.2"], env.PlanContents["h1"].Dns!.Records.Single(r => r.Name == "web.default.e1.rancher.internal").Addresses);
    }
}
