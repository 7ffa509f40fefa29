using Rancher.Cloud.Contracts;

namespace Rancher.Cloud.Domain.Hosts;

/// <summary>What an agent may say of its concerns: a bounded list, each named, each error bounded.</summary>
public static class HostConditionRules
{
    /// <returns>Why the conditions are refused, or null.</returns>
    public static string? Check(IReadOnlyList<HostCondition?>? conditions)
    {
        if (conditions is null)
        {
            return null;
        }
        if (conditions.Count > HostCondition.MaxConditions)
        {
            return $"must have at most {HostCondition.MaxConditions} items";
        }
        foreach (var condition in conditions)
        {
            if (condition is null || string.IsNullOrEmpty(condition.Concern) || condition.Concern.Length > 32 || !condition.Concern.All(c => char.IsAsciiLetterLower(c) || c == '-'))
            {
                return "each condition names its concern in 1 to 32 lowercase letters or '-'";
            }
            if (condition.Error is { Length: > HostCondition.MaxErrorLength })
            {
                return $"an error is at most {HostCondition.MaxErrorLength} characters";
            }
        }
        return conditions.DistinctBy(c => c!.Concern).Count() == conditions.Count ? null : "each concern appears once";
    }
}
