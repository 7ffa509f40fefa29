using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Balancing;
using Rancher.Cloud.Domain.Certificates;
using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Tests;

public sealed class AcmeCertificateTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static ServiceSpec Balancer(params PortRuleDraft[] rules)
    {
        var made = ServiceSpec.From(new ServiceDraft { Name = "lb", LoadBalancer = new BalancerDraft { PortRules = rules } });
        Assert.Null(made.Failure);
        return made.Value.Spec;
    }

    private static PortRuleDraft Http(int port = 80) => new() { SourcePort = port, Protocol = "http", Service = "web", TargetPort = 80 };

    private static PortRuleDraft Acme(string host) => new() { SourcePort = 443, Protocol = "https", Service = "web", TargetPort = 80, Hostname = host, Acme = true };

    [Theory]
    [InlineData("shop.example.com")]
    [InlineData("a-b.c")]
    [InlineData("a.very.long.hostname.with.many.labels.that.goes.on.and.on.example.com")]
    public void A_hostnames_certificate_has_a_valid_name_of_its_own(string hostname)
    {
        var name = AcmeCertificates.NameFor(hostname);

        Assert.True(ResourceName.IsValid(name), name);
        Assert.True(AcmeCertificates.IsReserved(name));
        Assert.Equal(name, AcmeCertificates.NameFor(hostname.ToUpperInvariant()));
    }

    [Fact]
    public void Hostnames_that_read_alike_with_dashes_get_different_names()
    {
        Assert.NotEqual(AcmeCertificates.NameFor("a-b.c"), AcmeCertificates.NameFor("a.b-c"));
    }

    [Fact]
    public void Wanted_hostnames_come_from_acme_rules_only_each_once()
    {
        var one = Balancer(Http(), Acme("b.example.com"), Acme("A.example.com"));
        var two = Balancer(Http(), Acme("a.example.com"), new PortRuleDraft { SourcePort = 80, Protocol = "http", Service = "web", TargetPort = 80, Hostname = "c.example.com" });

        Assert.Equal(["a.example.com", "b.example.com"], AcmeCertificates.Wanted([one, two, Given.Spec("web")]));
    }

    [Fact]
    public void A_certificate_is_ordered_when_missing_or_within_thirty_days_of_its_end()
    {
        Assert.True(AcmeCertificates.IsDue(null, null, null, Now));
        Assert.False(AcmeCertificates.IsDue(Now.AddDays(-59), Now.AddDays(31), null, Now));
        Assert.True(AcmeCertificates.IsDue(Now.AddDays(-60), Now.AddDays(30), null, Now));
        Assert.True(AcmeCertificates.IsDue(Now.AddDays(-91), Now.AddDays(-1), null, Now));
    }

    [Fact]
    public void A_short_lived_certificate_is_renewed_a_third_of_its_life_before_its_end_not_at_once()
    {
        // Six days of life: due in its last two, not the moment it is issued.
        Assert.False(AcmeCertificates.IsDue(Now, Now.AddDays(6), null, Now));
        Assert.False(AcmeCertificates.IsDue(Now.AddDays(-3), Now.AddDays(3), null, Now));
        Assert.True(AcmeCertificates.IsDue(Now.AddDays(-4), Now.AddDays(2), null, Now));
    }

    [Fact]
    public void A_failed_order_waits_longer_each_time_up_to_a_limit()
    {
        var waits = Enumerable.Range(1, 12).Select(f => AcmeCertificates.RetryAt(f, Now) - Now).ToList();

        Assert.Equal(TimeSpan.FromMinutes(5), waits[0]);
        Assert.Equal(TimeSpan.FromMinutes(10), waits[1]);
        Assert.All(waits.Zip(waits.Skip(1)), p => Assert.True(p.Second >= p.First));
        Assert.Equal(AcmeCertificates.LongestRetry, waits[^1]);
        Assert.False(AcmeCertificates.IsDue(null, null, Now.AddMinutes(5), Now));
        Assert.True(AcmeCertificates.IsDue(null, null, Now.AddMinutes(5), Now.AddMinutes(5)));
    }

    [Fact]
    public void An_acme_rule_needs_an_http_rule_on_port_80_to_be_proven()
    {
        var refused = ServiceSpec.From(new ServiceDraft { Name = "lb", LoadBalancer = new BalancerDraft { PortRules = [Http(8080), Acme("a.example.com")] } });
        var accepted = ServiceSpec.From(new ServiceDraft { Name = "lb", LoadBalancer = new BalancerDraft { PortRules = [Http(), Acme("a.example.com")] } });

        Assert.Contains("loadBalancer.portRules[1].acme", refused.Failure!.Fields!.ToDictionary().Keys);
        Assert.Null(accepted.Failure);
    }

    [Fact]
    public void A_balancer_offers_its_issued_acme_certificates_and_answers_challenges_for_its_own_hostnames()
    {
        var spec = Balancer(Http(), Acme("a.example.com"), Acme("b.example.com"));
        var services = new Dictionary<string, Service> { ["w"] = new("w", Given.Spec("web"), 1, Now), ["l"] = new("l", spec, 1, Now) };
        var issued = new Dictionary<string, string> { [AcmeCertificates.NameFor("b.example.com")] = new string('c', 64) };
        PlannedChallenge[] challenges = [new("tok", "tok.thumb") { Hostname = "a.example.com" }, new("other", "other.thumb") { Hostname = "elsewhere.example.com" }];

        var plan = BalancerPlan.Of(spec, services.Values.ToDictionary(s => s.Spec.QualifiedName), Array.Empty<Instance>().ToLookup(i => i.ServiceId), issued, challenges: challenges);
        var tcpOnly = BalancerPlan.Of(
            Balancer(new PortRuleDraft { SourcePort = 5432, Protocol = "tcp", Service = "web", TargetPort = 80 }),
            services.Values.ToDictionary(s => s.Spec.QualifiedName), Array.Empty<Instance>().ToLookup(i => i.ServiceId), issued, challenges: challenges);

        Assert.Equal([AcmeCertificates.NameFor("b.example.com") + "-cccccccccccccccc.pem"], plan.Certificates); // a's is not issued yet
        Assert.Equal([challenges[0]], plan.Challenges); // another balancer's hostname is not this one's to answer
        Assert.Empty(tcpOnly.Challenges);
    }

    [Theory]
    [InlineData("abc-DEF_123", true)]
    [InlineData("tok.thumb", true)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    [InlineData("a\"b", false)]
    [InlineData("a/b", false)]
    public void Challenge_text_is_base64url_and_dots_only(string text, bool valid) =>
        Assert.Equal(valid, AcmeCertificates.IsChallengeText(text));
}
