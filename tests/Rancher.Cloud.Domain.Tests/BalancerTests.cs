using Rancher.Cloud.Domain.Balancing;
using Rancher.Cloud.Domain.Errors;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>A balancer's rules as asked for: checked field by field, and tried in a predictable order.</summary>
public sealed class BalancerTests
{
    private static PortRuleDraft Rule(int port = 80, string service = "web", string? protocol = null, string? host = null, string? path = null, int? priority = null, bool? acme = null) =>
        new() { SourcePort = port, Service = service, TargetPort = 8080, Protocol = protocol, Hostname = host, Path = path, Priority = priority, Acme = acme };

    private static (Balancer? Balancer, IReadOnlyDictionary<string, string[]> Errors) Check(BalancerDraft draft)
    {
        var errors = new FieldErrors();
        var balancer = BalancerDraft.Check(draft, "loadBalancer", errors);
        return (balancer, errors.ToDictionary());
    }

    [Fact]
    public void Rules_with_hosts_paths_and_tls_make_a_balancer_with_defaults()
    {
        var (balancer, errors) = Check(new BalancerDraft
        {
            PortRules = [Rule(), Rule(host: "API.example.com", service: "shop/api"), Rule(443, protocol: "https", host: "*.example.com"), Rule(5432, "db", "tcp")],
            DefaultCertificate = "example-com",
        });

        Assert.Empty(errors);
        Assert.Equal([80, 443, 5432], balancer!.SourcePorts);
        Assert.Equal("api.example.com", balancer.Rules[1].Hostname); // hosts match case-insensitively
        Assert.Equal("http", balancer.Rules[0].Protocol);
        Assert.Equal(BalancerDraft.DefaultDrainTimeoutMs, balancer.DrainTimeoutMs);
        Assert.True(balancer.Rules[2].TerminatesTls);
    }

    [Fact]
    public void A_port_tries_priority_then_exact_host_then_wildcard_then_longer_path()
    {
        var (balancer, _) = Check(new BalancerDraft
        {
            PortRules = [Rule(service: "fallback"), Rule(host: "*.example.com", service: "wild"), Rule(host: "a.example.com", service: "exact"),
                Rule(host: "a.example.com", path: "/api/v2", service: "v2"), Rule(path: "/static", service: "early", priority: 0), Rule(service: "first", path: "/x/y")],
        });

        Assert.Equal(["v2", "exact", "wild", "early", "first", "fallback"], balancer!.RoutesOf(80).Select(r => r.Service));
    }

    [Fact]
    public void A_rule_a_catch_all_would_always_take_first_is_refused()
    {
        var (balancer, errors) = Check(new BalancerDraft { PortRules = [Rule(service: "fallback", priority: 1), Rule(path: "/static", service: "late", priority: 5)] });
        Assert.Null(balancer);
        Assert.Contains("portRules[0] takes every request", errors["loadBalancer.portRules[1]"][0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("protocol", "udp", "loadBalancer.portRules[0].protocol")]
    [InlineData("sourcePort", "0", "loadBalancer.portRules[0].sourcePort")]
    [InlineData("service", "Not_A_Service", "loadBalancer.portRules[0].service")]
    [InlineData("hostname", "*.*.example.com", "loadBalancer.portRules[0].hostname")]
    [InlineData("hostname", "a b", "loadBalancer.portRules[0].hostname")]
    [InlineData("path", "api", "loadBalancer.portRules[0].path")]
    [InlineData("path", "/a#b", "loadBalancer.portRules[0].path")]
    [InlineData("path", "/search?q=1", "loadBalancer.portRules[0].path")]
    [InlineData("priority", "5000", "loadBalancer.portRules[0].priority")]
    public void A_bad_rule_is_refused_by_its_field(string what, string value, string field)
    {
        var rule = what switch
        {
            "protocol" => Rule(protocol: value),
            "sourcePort" => Rule(port: int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)),
            "service" => Rule(service: value),
            "hostname" => Rule(host: value),
            "path" => Rule(path: value),
            _ => Rule(priority: int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)),
        };
        var (balancer, errors) = Check(new BalancerDraft { PortRules = [rule] });
        Assert.Null(balancer);
        Assert.Contains(field, errors.Keys);
    }

    [Fact]
    public void Rules_that_cannot_share_a_port_are_refused_naming_the_earlier_one()
    {
        var (_, errors) = Check(new BalancerDraft { PortRules = [Rule(), Rule(protocol: "tcp"), Rule(host: "a.io"), Rule(host: "a.io"), Rule(9000, "db", "tcp"), Rule(9000, "cache", "tcp")] });

        Assert.Contains("portRules[0]", errors["loadBalancer.portRules[1].protocol"][0], StringComparison.Ordinal);
        Assert.Contains("portRules[2]", errors["loadBalancer.portRules[3]"][0], StringComparison.Ordinal);
        Assert.Contains("'db'", errors["loadBalancer.portRules[5]"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void What_a_protocol_cannot_see_is_refused()
    {
        var (_, errors) = Check(new BalancerDraft { PortRules = [Rule(5432, "db", "tcp", host: "db.io"), Rule(6379, "cache", "tls", path: "/x")], DefaultCertificate = "c" });

        Assert.Contains("loadBalancer.portRules[0].hostname", errors.Keys);
        Assert.Contains("loadBalancer.portRules[1].path", errors.Keys);
    }

    [Fact]
    public void Terminating_tls_needs_a_certificate_or_acme_for_every_rule_of_the_port()
    {
        Assert.Contains("loadBalancer.defaultCertificate", Check(new BalancerDraft { PortRules = [Rule(443, protocol: "https", host: "a.io")] }).Errors.Keys);
        Assert.Empty(Check(new BalancerDraft { PortRules = [Rule(443, protocol: "https", host: "a.io", acme: true)] }).Errors);
        Assert.Contains("loadBalancer.portRules[0].acme", Check(new BalancerDraft { PortRules = [Rule(443, protocol: "https", host: "*.a.io", acme: true)] }).Errors.Keys);
        Assert.Contains("loadBalancer.portRules[0].acme", Check(new BalancerDraft { PortRules = [Rule(acme: true, host: "a.io")] }).Errors.Keys);
    }

    [Fact]
    public void Stickiness_needs_http_and_a_cookie_name()
    {
        var (balancer, errors) = Check(new BalancerDraft { PortRules = [Rule()], Stickiness = new StickinessDraft { Cookie = "SRV", Indirect = true } });
        Assert.Empty(errors);
        Assert.Equal(new Stickiness("SRV") { Indirect = true }, balancer!.Stickiness);

        Assert.Contains("loadBalancer.stickiness", Check(new BalancerDraft { PortRules = [Rule(5432, "db", "tcp")], Stickiness = new StickinessDraft { Cookie = "SRV" } }).Errors.Keys);
        Assert.Contains("loadBalancer.stickiness.cookie", Check(new BalancerDraft { PortRules = [Rule()], Stickiness = new StickinessDraft { Cookie = "a b" } }).Errors.Keys);
        Assert.Contains("loadBalancer.stickiness.mode", Check(new BalancerDraft { PortRules = [Rule()], Stickiness = new StickinessDraft { Cookie = "SRV", Mode = "rewrite", PostOnly = true } }).Errors.Keys);
    }

    [Fact]
    public void A_balancer_without_rules_or_with_a_drain_past_an_hour_is_refused()
    {
        Assert.Contains("loadBalancer.portRules", Check(new BalancerDraft()).Errors.Keys);
        Assert.Contains("loadBalancer.drainTimeoutMs", Check(new BalancerDraft { PortRules = [Rule()], DrainTimeoutMs = 4_000_000 }).Errors.Keys);
    }
}
