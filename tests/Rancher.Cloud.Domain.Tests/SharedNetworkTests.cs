using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Stacks;

namespace Rancher.Cloud.Domain.Tests;

/// <summary><c>network_mode: service:x</c>: a service's containers share the network of x's instance on their host.</summary>
public sealed class SharedNetworkTests
{
    private static Service Sidecar(string id, string joins, int scale, DateTimeOffset? created = null) =>
        new(id, Given.Spec("proxy") with { Run = new Contracts.RunOptions { NetworkMode = $"service:{joins}" } }, scale, created ?? Given.Now.AddMinutes(-10));

    private static IReadOnlyDictionary<string, string[]> Refusals(Func<ServiceDraft, ServiceDraft> change) =>
        ServiceSpec.From(Given.Draft(d => change(d with { Ports = [] }))).Failure!.Fields!.ToDictionary();

    [Fact]
    public void The_api_takes_a_service_name_and_refuses_what_docker_would()
    {
        var spec = ServiceSpec.From(Given.Draft(d => d with { Ports = [], Run = new RunOptionsDraft { NetworkMode = "service:shop/db" } })).Value.Spec;
        Assert.Equal("shop/db", NetworkModes.JoinedService(spec));

        Assert.Contains("run.networkMode", Refusals(d => d with { Run = new RunOptionsDraft { NetworkMode = "service:Not_A_Name" } }).Keys);
        Assert.Contains("run.networkMode", Refusals(d => d with { Run = new RunOptionsDraft { NetworkMode = "container:abc" } }).Keys);
        Assert.Contains("names this service itself", Refusals(d => d with { Run = new RunOptionsDraft { NetworkMode = "service:web" } })["run.networkMode"][0], StringComparison.Ordinal);
        // The joined container's names, resolver and ports are its own: Docker refuses them on the joiner.
        var conflicting = Refusals(d => d with
        {
            Hostname = "proxy",
            Ports = [new PortDraft { Published = 18080, Target = 80 }],
            Run = new RunOptionsDraft { NetworkMode = "service:db", Dns = ["10.0.0.2"], ExtraHosts = ["db:10.0.0.3"] },
        });
        Assert.Equal(["hostname", "ports", "run.dns", "run.extraHosts"], conflicting.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Compose_names_a_service_of_the_file_and_writes_it_back_the_same_way()
    {
        const string yaml = "services:\n  web:\n    image: nginx\n  proxy:\n    image: envoy\n    network_mode: \"service:web\"\n";
        var stack = ComposeReader.Read("shop", yaml, null).Value!;

        Assert.Equal("service:shop/web", stack.Services.Single(s => s.Spec.Name == "proxy").Spec.Run!.NetworkMode);
        var exported = ComposeWriter.Write(stack);
        Assert.Contains("network_mode: service:web", exported, StringComparison.Ordinal);
        Assert.Equal(exported, ComposeWriter.Write(ComposeReader.Read("shop", exported, null).Value!));
    }

    [Theory]
    [InlineData("  proxy:\n    image: envoy\n    network_mode: \"service:db\"\n", "line 6: 'db' is not a service of this file")]
    [InlineData("  proxy:\n    image: envoy\n    network_mode: \"service:proxy\"\n", "line 6: names this service itself")]
    [InlineData("  proxy:\n    image: envoy\n    network_mode: \"service:web\"\n  log:\n    image: fluent\n    network_mode: \"service:proxy\"\n", "line 9: 'proxy' itself shares another service's network")]
    [InlineData("  proxy:\n    image: envoy\n    network_mode: \"container:web\"\n", "use 'service:<name>'")]
    public void Compose_refuses_a_network_it_cannot_join_by_line(string services, string reason)
    {
        var refused = ComposeReader.Read("shop", $"services:\n  web:\n    image: nginx\n{services}", null);
        Assert.Contains(refused.Failure!.Fields!.ToDictionary().Values.SelectMany(r => r), r => r.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Instances_go_beside_the_service_they_join_and_plan_its_instance_even_when_created_first()
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange([Given.Host("h1"), Given.Host("h2"), Given.Host("h3")]);
        env.Services.Add(Sidecar("s1", "web", 2, Given.Now.AddMinutes(-20))); // older than what it joins
        env.Services.Add(Given.Service("s2", "web", 2));

        env.Step(); // one step: the sidecars are placed after what they join, not a step later

        var web = env.Instances.Where(i => i.ServiceId == "s2").ToList();
        var sidecars = env.Instances.Where(i => i.ServiceId == "s1").ToList();
        Assert.Equal(2, sidecars.Count);
        Assert.All(sidecars, s =>
        {
            Assert.Null(s.Address);
            var joined = Assert.Single(web, w => w.HostId == s.HostId);
            Assert.Equal(joined.Id, env.PlanContents[s.HostId].Containers.Single(c => c.InstanceId == s.Id).JoinsInstance);
        });
        Assert.False(env.Statuses.TryGetValue("s1", out var status) && status.Unplaced > 0);
    }

    [Fact]
    public void Without_an_instance_to_join_nothing_is_placed_and_the_reason_says_so()
    {
        var env = new EnvironmentModel();
        env.Hosts.Add(Given.Host("h1"));
        env.Services.Add(Sidecar("s1", "web", 1));

        env.Settle();

        Assert.Empty(env.Instances);
        var reason = Assert.Single(env.Statuses["s1"].Reasons);
        Assert.Equal(Scheduling.Constraints.SharedNetwork, reason.Constraint);
        Assert.Contains("'web'", reason.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void When_the_joined_instance_leaves_its_host_the_sidecar_follows_it()
    {
        var env = new EnvironmentModel();
        env.Hosts.AddRange([Given.Host("h1"), Given.Host("h2")]);
        env.Services.Add(Given.Service("s1", "web", 2));
        env.Services.Add(Sidecar("s2", "web", 2));
        env.Settle();
        Assert.Equal(2, env.Instances.Where(x => x.ServiceId == "s1").Select(x => x.HostId).Distinct().Count());

        // Web shrinks to one instance: the sidecar beside the one that went moves to the one that stays.
        env.SetScale("s1", 1);
        env.Settle();

        var web = env.Instances.Single(x => x.ServiceId == "s1");
        var sidecars = env.Instances.Where(x => x.ServiceId == "s2").ToList();
        Assert.Equal(2, sidecars.Count);
        Assert.All(sidecars, s =>
        {
            Assert.Equal(web.HostId, s.HostId);
            Assert.Equal(web.Id, env.PlanContents[s.HostId].Containers.Single(c => c.InstanceId == s.Id).JoinsInstance);
        });
    }

    [Fact]
    public void A_chain_or_a_cycle_made_one_service_at_a_time_is_unplaced_with_the_reason()
    {
        var env = new EnvironmentModel();
        env.Hosts.Add(Given.Host("h1"));
        env.Services.Add(Given.Service("s1", "c", 1));
        env.Services.Add(Sidecar("s2", "c", 1) with { Spec = Sidecar("s2", "c", 1).Spec with { Name = "b" } });
        env.Services.Add(Sidecar("s3", "b", 1) with { Spec = Sidecar("s3", "b", 1).Spec with { Name = "a" } });
        env.Services.Add(Sidecar("s4", "y", 1) with { Spec = Sidecar("s4", "y", 1).Spec with { Name = "x" } });
        env.Services.Add(Sidecar("s5", "x", 1) with { Spec = Sidecar("s5", "x", 1).Spec with { Name = "y" } });

        env.Settle();

        Assert.Equal(["s1", "s2"], env.Instances.Select(i => i.ServiceId).Order(StringComparer.Ordinal));
        foreach (var (id, joined) in new[] { ("s3", "b"), ("s4", "y"), ("s5", "x") })
        {
            var reason = Assert.Single(env.Statuses[id].Reasons);
            Assert.Equal(Scheduling.Constraints.SharedNetwork, reason.Constraint);
            Assert.Contains($"'{joined}' itself shares another service's network", reason.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_service_that_runs_nothing_cannot_be_joined()
    {
        var env = new EnvironmentModel();
        env.Hosts.Add(Given.Host("h1"));
        env.Services.Add(new Service("s1", Given.Spec("db") with { External = new ExternalTarget(["10.1.2.3"], null) }, 0, Given.Now.AddMinutes(-10)));
        env.Services.Add(Sidecar("s2", "db", 1));

        env.Settle();

        Assert.Empty(env.Instances);
        Assert.Contains("runs no containers", Assert.Single(env.Statuses["s2"].Reasons).Reason, StringComparison.Ordinal);
        var compose = ComposeReader.Read("shop", "services:\n  db:\n    image: rancher/external-service\n    external_ips: [\"1.2.3.4\"]\n  side:\n    image: envoy\n    network_mode: \"service:db\"\n", null);
        Assert.Contains(compose.Failure!.Fields!.ToDictionary()["services.side.network_mode"], r => r.StartsWith("line 7:", StringComparison.Ordinal) && r.Contains("runs no containers", StringComparison.Ordinal));
    }

    [Fact]
    public void A_service_on_anothers_network_keeps_that_containers_network_settings()
    {
        var refused = ServiceSpec.From(Given.Draft(d => d with
        {
            Ports = [],
            Run = new RunOptionsDraft { NetworkMode = "service:db", Sysctls = new Dictionary<string, string?> { ["net.ipv4.tcp_syncookies"] = "0" } },
        }));
        Assert.Contains("run.sysctls", refused.Failure!.Fields!.ToDictionary().Keys);
    }
}
