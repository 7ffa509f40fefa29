using Rancher.Cloud.Domain.Balancing;
using Rancher.Cloud.Domain.Networking;
using Rancher.Cloud.Domain.Services;
using Rancher.Cloud.Domain.Upgrades;

namespace Rancher.Cloud.Domain.Tests;

/// <summary>
/// Clone → switch → rollback → finish: who may clone, when a switch may happen, and where the
/// balancer's members and the DNS name point at each step.
/// </summary>
public sealed class ServiceCloneTests
{
    private static readonly Service Web = Given.Service("s1", "web", 3);

    private static readonly Service Lb = new("lb1", Given.Spec("lb") with
    {
        Image = BalancerService.Marker,
        Balancer = new Balancer([new PortRule(80, Protocols.Http, "web", 80)]),
    }, 1, Given.Now);

    private static Service Candidate(int scale = 2) =>
        ServiceClones.Clone(Web, Web.Spec with { Name = "web-next", Image = "busybox:2" }, scale, "s2", null, Given.Now).Candidate!;

    private static List<Instance> InstancesOf(Service service, int count, int octet) =>
        [.. Enumerable.Range(1, count).Select(n => new Instance($"{service.Id}-i{n}", service.Id, n, "h1") { Address = $"10.42.{octet}.{n}", Version = service.Version })];

    /// <summary>The balancer's members for web, each with its weight, after <paramref name="web"/> and its candidate run.</summary>
    private static List<(string Address, int Weight)> Members(Service web, Service candidate)
    {
        var byName = new[] { web, candidate, Lb }.ToDictionary(s => s.Spec.QualifiedName, StringComparer.Ordinal);
        var answering = InstancesOf(web, 3, 1).Concat(InstancesOf(candidate, 2, 2)).ToLookup(i => i.ServiceId, StringComparer.Ordinal);
        var plan = BalancerPlan.Of(Lb.Spec, byName, answering);
        return [.. plan.Backends.Single().Members.Select(m => (m.Address, m.Weight))];
    }

    private static IReadOnlyList<string> WebName(Service web, Service candidate)
    {
        var services = new[] { web, candidate }.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var answering = InstancesOf(web, 3, 1).Concat(InstancesOf(candidate, 2, 2)).ToLookup(i => i.ServiceId, StringComparer.Ordinal);
        return ServiceDiscovery.Records("prod", services, answering).Records.Single(r => r.Name == "web.default.prod.rancher.internal").Addresses;
    }

    [Fact]
    public void A_candidate_runs_beside_the_original_under_its_own_name_and_takes_none_of_its_traffic()
    {
        var candidate = Candidate();
        Assert.Equal("s1", candidate.CandidateOf);
        Assert.Equal(2, candidate.Scale);
        Assert.Equal(Web.Policy, candidate.Policy);

        Assert.Equal(["10.42.1.1", "10.42.1.2", "10.42.1.3"], Members(Web, candidate).Select(m => m.Address));
        Assert.Equal(["10.42.1.1", "10.42.1.2", "10.42.1.3"], WebName(Web, candidate));
    }

    [Fact]
    public void A_whole_switch_moves_the_balancer_and_the_dns_name_and_a_rollback_moves_both_back()
    {
        var candidate = Candidate();
        var (switched, refused) = ServiceClones.Switch(Web, candidate, 100, answering: 2, Given.Now);
        Assert.Null(refused);

        Assert.Equal([("10.42.2.1", 1), ("10.42.2.2", 1)], Members(switched!, candidate));
        Assert.Equal(["10.42.2.1", "10.42.2.2"], WebName(switched!, candidate));

        var back = ServiceClones.SwitchBack(switched!).Original!;
        Assert.Null(back.Traffic);
        Assert.Equal(3, Members(back, candidate).Count(m => m.Address.StartsWith("10.42.1.", StringComparison.Ordinal)));
        Assert.Equal(3, WebName(back, candidate).Count);
    }

    [Fact]
    public void A_canary_sends_its_percentage_of_the_balancers_traffic_and_leaves_dns_alone()
    {
        var candidate = Candidate();
        var canary = ServiceClones.Switch(Web, candidate, 10, answering: 2, Given.Now).Original!;

        var members = Members(canary, candidate);
        var toCandidate = members.Where(m => m.Address.StartsWith("10.42.2.", StringComparison.Ordinal)).Sum(m => m.Weight);
        var share = (double)toCandidate / members.Sum(m => m.Weight);
        Assert.InRange(share, 0.095, 0.105);
        Assert.All(members, m => Assert.InRange(m.Weight, 1, 256));
        Assert.Equal(3, WebName(canary, candidate).Count); // DNS cannot weigh: the name moves at 100 %
    }

    [Theory]
    [InlineData(1, 3, 10)]
    [InlineData(3, 1, 1)]
    [InlineData(50, 2, 2)]
    [InlineData(99, 7, 3)]
    public void Member_weights_give_each_group_its_share_as_closely_as_whole_weights_allow(int canary, int candidates, int originals)
    {
        var weights = BalancerPlan.MemberWeights([(100 - canary, originals), (canary, candidates)]);
        var total = (weights[0] * originals) + (weights[1] * candidates);
        Assert.InRange(100.0 * weights[1] * candidates / total, canary * 0.8, canary * 1.2);
    }

    [Fact]
    public void A_switch_waits_for_every_candidate_instance_to_answer_and_checks_the_weight()
    {
        var candidate = Candidate();
        Assert.Contains("1 of the candidate's 2 instance(s)", ServiceClones.Switch(Web, candidate, 100, answering: 1, Given.Now).Refused, StringComparison.Ordinal);
        Assert.Contains("1 to 100", ServiceClones.Switch(Web, candidate, 0, answering: 2, Given.Now).Refused, StringComparison.Ordinal);
        Assert.Contains("1 to 100", ServiceClones.Switch(Web, candidate, 101, answering: 2, Given.Now).Refused, StringComparison.Ordinal);
        Assert.Contains("is not a candidate for", ServiceClones.Switch(Given.Service("s9", "other", 1), candidate, 100, 2, Given.Now).Refused, StringComparison.Ordinal);
        Assert.Contains("has not been switched", ServiceClones.SwitchBack(Web).Refused, StringComparison.Ordinal);
    }

    [Fact]
    public void A_clone_is_refused_for_balancers_candidates_published_ports_upgrades_and_a_second_candidate()
    {
        var candidate = Candidate();
        string? Refusal(Service original, Service? existing = null) =>
            ServiceClones.Clone(original, original.Spec with { Name = "x-next" }, null, "s3", existing, Given.Now).Refused;

        Assert.Contains("balancer", Refusal(Lb), StringComparison.Ordinal);
        Assert.Contains("itself a candidate", Refusal(candidate), StringComparison.Ordinal);
        Assert.Contains("publishes host ports", Refusal(Given.Service("s4", "pub", 1, 8080)), StringComparison.Ordinal);
        Assert.Contains("already has a candidate", Refusal(Web, candidate), StringComparison.Ordinal);
        var upgrading = ServiceUpgrades.Change(Web, Web.Spec with { Image = "busybox:3" }, null, true, Given.Now).Service!;
        Assert.Contains("let it end first", Refusal(upgrading), StringComparison.Ordinal);
        Assert.Contains("a name of its own", ServiceClones.Clone(Web, Web.Spec, null, "s3", null, Given.Now).Refused, StringComparison.Ordinal);
    }

    [Fact]
    public void Finish_needs_a_whole_switch_then_leaves_the_name_as_an_alias_and_retargets_balancers()
    {
        var candidate = Candidate();
        var drain = TimeSpan.FromSeconds(2);
        Assert.Contains("has not been switched", ServiceClones.Finish(Web, candidate, Given.Now, drain, 2).Refused, StringComparison.Ordinal);
        var canary = ServiceClones.Switch(Web, candidate, 10, 2, Given.Now).Original!;
        Assert.Contains("only 10%", ServiceClones.Finish(canary, candidate, Given.Now, drain, 2).Refused, StringComparison.Ordinal);

        var whole = ServiceClones.Switch(Web, candidate, 100, 2, Given.Now).Original!;
        Assert.Contains("still draining", ServiceClones.Finish(whole, candidate, Given.Now.AddSeconds(1), drain, 2).Refused, StringComparison.Ordinal);
        Assert.Contains("leave nothing serving", ServiceClones.Finish(whole, candidate, Given.Now + drain, drain, 0).Refused, StringComparison.Ordinal);
        var upgrading = ServiceUpgrades.Change(whole, whole.Spec with { Image = "busybox:9" }, null, true, Given.Now).Service!;
        Assert.Contains("let it end first", ServiceClones.Finish(upgrading, candidate, Given.Now + drain, drain, 2).Refused, StringComparison.Ordinal);
        var (alias, promoted, refused) = ServiceClones.Finish(whole, candidate, Given.Now + drain, drain, 2);
        Assert.Null(refused);
        Assert.Equal(["web-next"], alias!.Spec.Alias);
        Assert.Equal(0, alias.Scale);
        Assert.Null(alias.Traffic);
        Assert.Null(promoted!.CandidateOf);
        // Its last instances, on their way out, keep what they were made with.
        Assert.Equal("busybox:1", alias.SpecOf(InstancesOf(Web, 1, 1)[0]).Image);

        var retargeted = ServiceClones.Retarget(Lb.Spec, "web", "web-next");
        Assert.Equal("web-next", retargeted.Balancer!.Rules.Single().Service);
        Assert.Same(Lb.Spec, ServiceClones.Retarget(Lb.Spec, "other", "web-next"));

        Assert.Contains("runs nothing to roll back", ServiceUpgrades.RollBackTo(alias, null, false, Given.Now).Refused, StringComparison.Ordinal);

        // After finish, the old name answers with the candidate's instances through the alias.
        var services = new[] { alias, promoted }.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var answering = InstancesOf(promoted, 2, 2).ToLookup(i => i.ServiceId, StringComparer.Ordinal);
        Assert.Equal(["10.42.2.1", "10.42.2.2"], ServiceDiscovery.Records("prod", services, answering).Records.Single(r => r.Name == "web.default.prod.rancher.internal").Addresses);
    }
}
