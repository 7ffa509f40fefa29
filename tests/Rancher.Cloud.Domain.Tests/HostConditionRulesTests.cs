using Rancher.Cloud.Contracts;
using Rancher.Cloud.Domain.Hosts;

namespace Rancher.Cloud.Domain.Tests;

public sealed class HostConditionRulesTests
{
    [Fact]
    public void An_agents_usual_conditions_pass()
    {
        Assert.Null(HostConditionRules.Check(null));
        Assert.Null(HostConditionRules.Check([new(HostConcerns.Network, false, "tunnel: wg failed"), new(HostConcerns.Containers, true, null), new(HostConcerns.Health, true, null)]));
    }

    [Fact]
    public void Too_many_unnamed_repeated_or_oversized_conditions_are_refused()
    {
        Assert.Contains("at most 16", HostConditionRules.Check(Enumerable.Range(0, 17).Select(i => (HostCondition?)new($"c-{(char)('a' + i)}", true, null)).ToList()));
        Assert.NotNull(HostConditionRules.Check([new("", true, null)]));
        Assert.NotNull(HostConditionRules.Check([new("Network!", true, null)]));
        Assert.NotNull(HostConditionRules.Check([null]));
        Assert.Contains("once", HostConditionRules.Check([new("network", true, null), new("network", false, "x")]));
        Assert.Contains("1000", HostConditionRules.Check([new("network", false, new string('x', 1001))]));
    }
}
