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

/// <summary>Rancher 1.6's alias and external services: names that run nothing.</summary>
public sealed class AliasAndExternalServiceTests
{
    private static readonly System.Text.Json.JsonSerializerOptions Web = new(System.Text.Json.JsonSerializerDefaults.Web);

    private const string Compose = """
        services:
          web:
            image: nginx
          front:
            image: rancher/dns-service
            links: [web]
          legacy:
            image: rancher/external-service
            external_ips: ["192.0.2.10", "192.0.2.11"]
          docs:
            image: rancher/external-service
            hostname: docs.example.com
        """;

    [Fact]
    public void Compose_alias_and_external_services_import_run_nothing_and_round_trip()
    {
        var stack = Stacks.ComposeReader.Read("shop", Compose, null).Value!;
        var byName = stack.Services.ToDictionary(s => s.Spec.Name);

        Assert.Equal(["web"], byName["front"].Spec.Alias);
        Assert.Equal(0, byName["front"].Scale);
        Assert.Equal(["192.0.2.10", "192.0.2.11"], byName["legacy"].Spec.External!.Addresses);
        Assert.Equal("docs.example.com", byName["docs"].Spec.External!.Hostname);
        Assert.Null(byName["docs"].Spec.Hostname);
        var exported = Stacks.ComposeWriter.Write(stack);
        Assert.Equal(exported, Stacks.ComposeWriter.Write(Stacks.ComposeReader.Read("shop", exported, null).Value!));
    }

    [Fact]
    public void Links_on_an_ordinary_service_are_refused_with_their_line()
    {
        var errors = Stacks.ComposeReader.Read("shop", "services:\n  web:\n    image: nginx\n    links: [db]\n", null).Failure!.Fields!.ToDictionary();
        Assert.StartsWith("line 4: services reach each other by name", Assert.Single(errors["services.web.links"]), StringComparison.Ordinal);
    }

    [Fact]
    public void An_alias_answers_with_its_targets_and_an_external_service_with_its_addresses_or_cname()
    {
        var stack = Stacks.ComposeReader.Read("shop", Compose, null).Value!;
        var services = stack.Services.Select((s, i) => new Service($"s{i}", s.Spec, s.Scale, Given.Now)).ToDictionary(s => s.Id);
        var web = services.Values.Single(s => s.Spec.Name == "web");
        var instances = new[] { new Instance("i1", web.Id, 1, "h1") { Address = "10.42.0.2" } };
        var observed = new Dictionary<string, ObservedState> { ["i1"] = new(ContainerStates.Running, null) };

        var records = ServiceDiscovery.Records("prod", services, instances, observed).Records.ToDictionary(r => r.Name);

        Assert.Equal(["10.42.0.2"], records["front.shop.prod.rancher.internal"].Addresses);
        Assert.Equal(["192.0.2.10", "192.0.2.11"], records["legacy.shop.prod.rancher.internal"].Addresses);
        Assert.Equal("docs.example.com", records["docs.shop.prod.rancher.internal"].Cname);
    }

    [Theory]
    [InlineData("{\"external\":{}}", "external")]
    [InlineData("{\"external\":{\"addresses\":[\"not-an-ip\"]}}", "external.addresses[0]")]
    [InlineData("{\"alias\":[]}", "alias")]
    [InlineData("{\"alias\":[\"web\"],\"ports\":[{\"published\":80,\"target\":80}]}", "ports")]
    public void Malformed_alias_and_external_services_are_refused_by_field(string json, string field)
    {
        var draft = System.Text.Json.JsonSerializer.Deserialize<ServiceDraft>(json, Web)! with { Name = "x" };
        Assert.Contains(field, ServiceSpec.From(draft).Failure!.Fields!.ToDictionary().Keys);
    }
}
