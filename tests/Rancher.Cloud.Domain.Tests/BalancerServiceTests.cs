using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Balancing;
using Rancher.Cloud.Domain.Errors;
using Rancher.Cloud.Domain.Networking;
using Rancher.Cloud.Domain.Reconcile;
using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Stacks;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>A balancer as a service: created through the API or compose, checked against its environment, planned from where its targets answer.</summary>
public sealed class BalancerServiceTests
{
    private static BalancerDraft Rules(params PortRuleDraft[] rules) => new() { PortRules = rules };

    private static PortRuleDraft Rule(int source, string service, int target = 80, string? host = null, string? path = null, string? protocol = null) =>
        new() { SourcePort = source, Service = service, TargetPort = target, Hostname = host, Path = path, Protocol = protocol };

    private static ServiceDraft Lb(BalancerDraft balancer, Func<ServiceDraft, ServiceDraft>? change = null)
    {
        var draft = new ServiceDraft { Name = "lb", LoadBalancer = balancer };
        return change is null ? draft : change(draft);
    }

    [Fact]
    public void A_balancer_publishes_its_source_ports_and_takes_no_image_command_or_volumes_of_its_own()
    {
        var (spec, scale) = ServiceSpec.From(Lb(Rules(Rule(80, "web"), Rule(80, "api", host: "api.example.com"), Rule(5432, "db", 5432, protocol: "tcp")))).Value;

        Assert.Equal(1, scale);
        Assert.Equal(BalancerService.Marker, spec.Image);
        Assert.Equal([new PortMapping(80, 80, "tcp"), new PortMapping(5432, 5432, "tcp")], spec.Ports);

        var refused = ServiceSpec.From(Lb(Rules(Rule(80, "web")), d => d with
        {
            Image = "nginx:1",
            Command = ["nginx"],
            Volumes = [new VolumeDraft("volume", "data", "/data", null)],
            Run = new RunOptionsDraft { NetworkMode = "host" },
        })).Failure!.Fields!.ToDictionary();
        Assert.Equal(["command", "image", "run.networkMode", "volumes"], refused.Keys.Where(k => !k.StartsWith("ports", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Given_ports_publish_source_ports_and_one_that_is_no_source_port_is_refused()
    {
        var published = ServiceSpec.From(Lb(Rules(Rule(80, "web")), d => d with { Ports = [new PortDraft { Published = 8080, Target = 80 }] })).Value.Spec;
        Assert.Equal([new PortMapping(8080, 80, "tcp")], published.Ports);

        var refused = ServiceSpec.From(Lb(Rules(Rule(80, "web")), d => d with { Ports = [new PortDraft { Published = 8080, Target = 81 }] })).Failure!.Fields!.ToDictionary();
        Assert.Contains("no rule's source port", refused["ports[0].target"][0], StringComparison.Ordinal);

        // No ports at all: the balancer is reached only inside the environment.
        Assert.Empty(ServiceSpec.From(Lb(Rules(Rule(80, "web")), d => d with { Ports = [] })).Value.Spec.Ports);
    }

    [Fact]
    public void Targets_must_exist_run_containers_and_listen_on_the_port_and_ports_must_be_free()
    {
        var web = Given.Spec("web") with { Stack = "shop", Ports = [new PortMapping(18080, 8080, "tcp")] };
        var alias = Given.Spec("names") with { Stack = "shop", Alias = ["shop/web"] };
        var taken = Given.Spec("old", 443);
        var lb = ServiceSpec.From(Lb(Rules(Rule(80, "web", 8080), Rule(81, "missing"), Rule(82, "names"), Rule(83, "web", 9999), Rule(443, "shop/web", 8080)))).Value.Spec with { Stack = "shop" };

        var errors = BalancerTargets.Check(lb, [web, alias, taken, lb]).ToDictionary();

        Assert.Equal(
            ["loadBalancer.portRules[1].service", "loadBalancer.portRules[2].service", "loadBalancer.portRules[3].targetPort", "ports[4]"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("no service 'shop/missing'", errors["loadBalancer.portRules[1].service"][0], StringComparison.Ordinal);
        Assert.Contains("does not say it listens on 9999", errors["loadBalancer.portRules[3].targetPort"][0], StringComparison.Ordinal);
        Assert.Contains("published by 'old'", errors["ports[4]"][0], StringComparison.Ordinal);

        // Host labels that keep two services apart let them publish the same port.
        var apart = (ServiceSpec s, string zone) => s with { Scheduling = new Scheduling.SchedulingRules { HostLabels = [new Scheduling.HostLabelRule("zone", zone)] } };
        Assert.True(BalancerTargets.Check(apart(lb, "a"), [web, alias, apart(taken, "b")]).ToDictionary().Keys.All(k => !k.StartsWith("ports", StringComparison.Ordinal)));
        // And a new ordinary service may not take a balancer's port.
        Assert.Contains("ports[0].published", BalancerTargets.Check(Given.Spec("new", 80), [lb]).ToDictionary().Keys);
    }

    [Fact]
    public void The_plan_sends_to_answering_instances_only_and_keeps_the_rules_order()
    {
        var web = new Service("sw", Given.Spec("web") with { HealthCheck = new HealthCheck("tcp", [], 80, "", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), 3, TimeSpan.Zero) }, 3, Given.Now);
        var api = new Service("sa", Given.Spec("api"), 1, Given.Now);
        var lbSpec = ServiceSpec.From(Lb(Rules(Rule(80, "web"), Rule(80, "api", 8080, path: "/api"), Rule(80, "api", 8080, host: "api.example.com")))).Value.Spec;
        var lb = new Service("sl", lbSpec, 1, Given.Now);
        var services = new Dictionary<string, Service> { ["sw"] = web, ["sa"] = api, ["sl"] = lb };
        Instance At(string id, string service, int slot, string address) => new(id, service, slot, "h1") { Address = address };
        Instance[] instances = [At("w1", "sw", 1, "10.42.1.2"), At("w2", "sw", 2, "10.42.1.3"), At("w3", "sw", 3, "10.42.1.4"), At("a1", "sa", 1, "10.42.1.5"), At("l1", "sl", 1, "10.42.1.6")];
        var observed = new Dictionary<string, ObservedState>
        {
            ["w1"] = new(ContainerStates.Running, HealthStates.Healthy),
            ["w2"] = new(ContainerStates.Running, "unhealthy"),
            ["w3"] = new(ContainerStates.Starting, null),
            ["a1"] = new(ContainerStates.Running, null),
        };

        var plans = HostPlanBuilder.Balancers(services, ServiceDiscovery.Answering(services, instances, observed), new HashSet<string> { "sl" });
        var plan = plans["sl"];

        var listener = Assert.Single(plan.Listeners);
        Assert.Equal([("api_8080", "api.example.com", null), ("api_8080", null, "/api"), ("web_80", null, null)],
            listener.Routes.Select(r => (r.Backend, r.Hostname, r.Path)));
        Assert.Equal(["w1"], plan.Backends.Single(b => b.Name == "web_80").Members.Select(m => m.InstanceId));
        Assert.Equal("10.42.1.5", plan.Backends.Single(b => b.Name == "api_8080").Members.Single().Address);

        // Members and rules ride outside the spec hash: a change of them never makes the balancer's container anew.
        var before = HostPlanBuilder.Containers(instances.Where(i => i.ServiceId == "sl"), services, plans, "haproxy:test").Single();
        var fewer = HostPlanBuilder.Balancers(services, ServiceDiscovery.Answering(services, instances, new Dictionary<string, ObservedState>()), new HashSet<string> { "sl" });
        var after = HostPlanBuilder.Containers(instances.Where(i => i.ServiceId == "sl"), services, fewer, "haproxy:test").Single();
        Assert.Equal(before.SpecHash, after.SpecHash);
        Assert.NotEqual(before.Balancer, after.Balancer);
        Assert.Equal("haproxy:test", before.Image);
        Assert.NotEqual(before.SpecHash, HostPlanBuilder.Containers(instances.Where(i => i.ServiceId == "sl"), services, plans, "haproxy:other").Single().SpecHash);
    }

    [Fact]
    public void New_rules_keep_the_instances_and_default_ports_follow_them()
    {
        var spec = ServiceSpec.From(Lb(Rules(Rule(80, "web")))).Value.Spec;
        var errors = new FieldErrors();

        var patched = BalancerPatch.Apply(spec, Rules(Rule(80, "web"), Rule(5432, "db", 5432, protocol: "tcp")), errors);

        Assert.True(errors.IsEmpty);
        Assert.Equal([80, 5432], patched!.Ports.Select(p => p.Published));
        // An ACME rule is proven over http on port 80: without a rule there it is refused by field, not stored.
        Assert.Null(BalancerPatch.Apply(spec, Rules(Rule(443, "web", protocol: "https", host: "shop.example.com") with { Acme = true }), errors));
        Assert.Contains("loadBalancer.portRules[0].acme", errors.ToDictionary().Keys);
        var answered = BalancerPatch.Apply(spec, Rules(Rule(80, "web"), Rule(443, "web", protocol: "https", host: "shop.example.com") with { Acme = true }), errors = new FieldErrors());
        Assert.True(errors.IsEmpty, string.Join("; ", errors.ToDictionary().Values.SelectMany(v => v)));
        Assert.True(answered!.Balancer!.Rules[1].Acme);
        Assert.Null(BalancerPatch.Apply(Given.Spec("web"), Rules(Rule(80, "x")), errors));
        Assert.Contains("loadBalancer", errors.ToDictionary().Keys);
    }

    private const string Compose = """
        services:
          web:
            image: nginx:1
            expose: ["80"]
          lb:
            image: rancher/lb-service-haproxy:v0.9.14
            ports:
              - 80:80
            lb_config:
              port_rules:
                - source_port: 80
                  target_port: 80
                  service: web
                  protocol: http
                  hostname: shop.example.com
                  path: /cart
                  priority: 1
                - source_port: 80
                  target_port: 80
                  service: web
                  protocol: http
                  priority: 2
              stickiness_policy:
                cookie: SRV
                mode: insert
                indirect: true
              drain_timeout_ms: 5000
        """;

    [Fact]
    public void Compose_reads_rancher_lb_config_and_writes_it_back_the_same()
    {
        var stack = ComposeReader.Read("shop", Compose, null).Value!;
        var lb = stack.Services.Single(s => s.Spec.Name == "lb").Spec;

        Assert.Equal("rancher/lb-service-haproxy:v0.9.14", lb.Image);
        Assert.Equal(2, lb.Balancer!.Rules.Count);
        Assert.Equal(("shop.example.com", "/cart", 1), (lb.Balancer.Rules[0].Hostname, lb.Balancer.Rules[0].Path, lb.Balancer.Rules[0].Priority));
        Assert.Equal(new Stickiness("SRV") { Indirect = true }, lb.Balancer.Stickiness);
        Assert.Equal(5000, lb.Balancer.DrainTimeoutMs);

        var written = ComposeWriter.Write(stack);
        var again = ComposeReader.Read("shop", written, null).Value!;
        Assert.Equal(lb.Balancer.Rules, again.Services.Single(s => s.Spec.Name == "lb").Spec.Balancer!.Rules);
        Assert.Equal(written, ComposeWriter.Write(again));
    }

    [Fact]
    public void Compose_refuses_by_line_a_missing_target_an_unknown_key_and_lb_config_without_the_image()
    {
        var missing = ComposeReader.Read("shop", Compose.Replace("service: web\n          protocol: http\n          hostname", "service: nowhere\n          protocol: http\n          hostname", StringComparison.Ordinal), null)
            .Failure!.Fields!.ToDictionary();
        var reason = Assert.Single(missing).Value[0];
        Assert.StartsWith("line 11:", reason, StringComparison.Ordinal);
        Assert.Contains("no service 'shop/nowhere'", reason, StringComparison.Ordinal);

        var unknown = ComposeReader.Read("shop", Compose.Replace("priority: 1", "selector: app=web", StringComparison.Ordinal), null).Failure!.Fields!.ToDictionary();
        Assert.Contains("'selector' is not supported", Assert.Single(unknown).Value[0], StringComparison.Ordinal);

        var notBalancer = ComposeReader.Read("shop", Compose.Replace("rancher/lb-service-haproxy:v0.9.14", "nginx:1", StringComparison.Ordinal), null).Failure!.Fields!.ToDictionary();
        Assert.Contains("only for a balancer", Assert.Single(notBalancer).Value[0], StringComparison.Ordinal);

        // A service of another stack is named as stack/service, and found in the environment.
        var crossStack = Compose.Replace("service: web\n          protocol: http\n          hostname", "service: blog/site\n          protocol: http\n          hostname", StringComparison.Ordinal);
        Assert.NotNull(ComposeReader.Read("shop", crossStack, null, environment: [Given.Spec("site") with { Stack = "blog" }]).Value);
    }
}
