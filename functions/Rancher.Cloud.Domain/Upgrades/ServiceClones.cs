using Rancher.Cloud.Domain.Services;

namespace Rancher.Cloud.Domain.Upgrades;

/// <summary>
/// Where a service's traffic goes while a candidate stands in for it: <see cref="Weight"/> percent
/// of what its balancers send to it goes to the candidate, and at 100 its DNS name answers with the
/// candidate's instances too.
/// </summary>
public sealed record TrafficSwitch(string CandidateId, int Weight, DateTimeOffset Since)
{
    public bool IsWhole => Weight == 100;
}

/// <summary>
/// Clone → switch → rollback → finish, the blue/green flow of the original Rancher: a candidate
/// service with a new configuration runs beside the original, reachable under its own name only;
/// a switch moves the original's balancer traffic (all, or a canary weight) and, when whole, its
/// DNS name to the candidate; a rollback moves it back in one step; finish removes the original's
/// containers and leaves its name as an alias of the candidate, so no client loses it.
/// </summary>
public static class ServiceClones
{
    public const int MinWeight = 1;
    public const int MaxWeight = 100;

    /// <summary>A candidate for <paramref name="original"/> running <paramref name="spec"/>, with the original's scale and policy unless given.</summary>
    /// <param name="original">The service the candidate may replace.</param>
    /// <param name="spec">The candidate's spec: the original's with the new launch fields, under its own name.</param>
    /// <param name="scale">Its scale; null for the original's.</param>
    /// <param name="id">The candidate's id.</param>
    /// <param name="existing">A candidate the original already has, if any: one at a time.</param>
    /// <param name="now">When it is made.</param>
    public static (Service? Candidate, string? Refused) Clone(Service original, ServiceSpec spec, int? scale, string id, Service? existing, DateTimeOffset now)
    {
        var refused = original switch
        {
            { Spec.Balancer: not null } => "a balancer changes its rules in place; change it with a PATCH",
            { Spec.Alias: not null } or { Spec.External: not null } => "an alias or external service runs nothing to clone",
            { CandidateOf: { } of } => $"it is itself a candidate (for service {of}); finish or delete that first",
            { Upgrading: true } => $"an upgrade to version {original.Upgrade!.To} is {UpgradeMachine.Name(original.Upgrade.State)}; let it end first",
            _ when existing is not null => $"it already has a candidate, {existing.Spec.QualifiedName}; finish, roll back and delete, or delete it first",
            _ when original.Spec.Ports.Count > 0 || spec.Ports.Count > 0 =>
                "it publishes host ports, which a candidate beside it could not take; put it behind a balancer, or upgrade it in place (stop-first)",
            _ when spec.Name == original.Spec.Name => "the candidate needs a name of its own",
            _ => null,
        };
        if (refused is not null)
        {
            return (null, refused);
        }
        return (new Service(id, spec with { Stack = original.Spec.Stack }, scale ?? original.Scale, now) { Policy = original.Policy, CandidateOf = original.Id }, null);
    }

    /// <summary>
    /// <paramref name="weight"/> percent of the original's traffic to the candidate, once every
    /// instance the candidate should run answers; a new weight replaces the last.
    /// </summary>
    /// <param name="original">The service whose traffic moves.</param>
    /// <param name="candidate">Its candidate.</param>
    /// <param name="weight">Percent of the traffic, 1 to 100.</param>
    /// <param name="answering">How many of the candidate's instances run and pass their checks now.</param>
    /// <param name="now">When the switch happens.</param>
    public static (Service? Original, string? Refused) Switch(Service original, Service candidate, int weight, int answering, DateTimeOffset now)
    {
        var refused = (original, candidate) switch
        {
            _ when candidate.CandidateOf != original.Id => $"{candidate.Spec.QualifiedName} is not a candidate for {original.Spec.QualifiedName}",
            _ when weight is < MinWeight or > MaxWeight => $"the weight is a percentage of the traffic, {MinWeight} to {MaxWeight}",
            _ when answering < Math.Max(1, candidate.Scale) && !candidate.Spec.Scheduling.Global =>
                $"{answering} of the candidate's {candidate.Scale} instance(s) run and pass their checks; switch once all do",
            _ when answering == 0 => "none of the candidate's instances runs and passes its checks yet",
            _ => null,
        };
        if (refused is not null)
        {
            return (null, refused);
        }
        return (original with { Traffic = new TrafficSwitch(candidate.Id, weight, now) }, null);
    }

    /// <summary>All of the original's traffic back to it, in one step.</summary>
    public static (Service? Original, string? Refused) SwitchBack(Service original) =>
        original.Traffic is null
            ? (null, "its traffic has not been switched to a candidate")
            : (original with { Traffic = null }, null);

    /// <summary>
    /// The switch made final: the original runs nothing more and its name becomes an alias of
    /// the candidate (its DNS name keeps answering; delete the alias once clients moved), the
    /// candidate is a service like any other, and balancers that named the original name it.
    /// </summary>
    /// <param name="original">The service whose traffic is switched.</param>
    /// <param name="candidate">Its candidate, taking all of it.</param>
    /// <param name="now">When it finishes.</param>
    /// <param name="drain">How long the original's instances may finish what they served after the switch (its balancers' longest drain timeout).</param>
    /// <param name="answering">How many of the candidate's instances run and pass their checks now.</param>
    public static (Service? Original, Service? Candidate, string? Refused) Finish(Service original, Service candidate, DateTimeOffset now, TimeSpan drain, int answering)
    {
        if (original.Upgrading)
        {
            return (null, null, $"an upgrade of it to version {original.Upgrade!.To} is {UpgradeMachine.Name(original.Upgrade.State)}; let it end first");
        }
        if (answering == 0)
        {
            return (null, null, "none of the candidate's instances runs and passes its checks: finishing would leave nothing serving; switch back instead");
        }
        if (original.Traffic is not { IsWhole: true } traffic || traffic.CandidateId != candidate.Id)
        {
            return (null, null, original.Traffic is null
                ? "its traffic has not been switched to a candidate; switch it (weight 100) first"
                : $"only {original.Traffic.Weight}% of its traffic goes to the candidate; switch all of it first");
        }
        if (now < traffic.Since + drain)
        {
            // Its containers go at once: what they still serve must have had its drain time.
            return (null, null, $"its instances are still draining the requests they took before the switch, until {traffic.Since + drain:HH:mm:ss} UTC");
        }
        var alias = new ServiceSpec(original.Spec.Name, ExternalTarget.AliasImage, [], new Dictionary<string, string>(), [])
        {
            Stack = original.Spec.Stack,
            Alias = [candidate.Spec.Name],
        };
        // Its launch configuration stays in the history: its instances run it until they are gone.
        return (original.WithSpec(alias, now) with { Scale = 0, Traffic = null, Upgrade = null, Policy = null }, candidate with { CandidateOf = null }, null);
    }

    /// <summary>A balancer's spec with every rule that targets <paramref name="from"/> targeting <paramref name="to"/> (qualified names); itself when none does.</summary>
    public static ServiceSpec Retarget(ServiceSpec balancer, string from, string to)
    {
        if (balancer.Balancer is not { } rules || !rules.Rules.Any(r => balancer.Resolve(r.Service) == from))
        {
            return balancer;
        }
        // Named as the balancer names services: the name alone in its own stack, stack/name otherwise.
        var named = balancer.Stack is { } stack && to.StartsWith(stack + "/", StringComparison.Ordinal) ? to[(stack.Length + 1)..] : to;
        return balancer with
        {
            Balancer = rules with { Rules = [.. rules.Rules.Select(r => balancer.Resolve(r.Service) == from ? r with { Service = named } : r)] },
        };
    }

    /// <summary>
    /// The services whose instances serve <paramref name="service"/>'s traffic and each one's share
    /// in percent: itself alone, or with a switch its candidate's share and the rest.
    /// </summary>
    public static IReadOnlyList<(Service Service, int Weight)> Serving(Service service, IReadOnlyDictionary<string, Service> byId) =>
        CandidateTaking(service, byId) is not { } candidate ? [(service, 100)]
        : service.Traffic!.IsWhole ? [(candidate, 100)]
        : [(service, 100 - service.Traffic.Weight), (candidate, service.Traffic.Weight)];

    /// <summary>The service that answers <paramref name="service"/>'s DNS name: its candidate once all its traffic is switched, else itself.</summary>
    public static Service NamedBy(Service service, IReadOnlyDictionary<string, Service> byId) =>
        service.Traffic is { IsWhole: true } && CandidateTaking(service, byId) is { } candidate ? candidate : service;

    /// <summary>The candidate some of the service's traffic is switched to; null when none is (or it is being deleted).</summary>
    private static Service? CandidateTaking(Service service, IReadOnlyDictionary<string, Service> byId) =>
        service.Traffic is { } traffic && byId.TryGetValue(traffic.CandidateId, out var candidate) && !candidate.Deleting ? candidate : null;
}
