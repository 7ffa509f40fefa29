namespace Rancher.Cloud.Contracts;

/// <summary>
/// The most a field may hold: characters of a string, items of a list, entries of a map.
/// Validation enforces it; the OpenAPI document states it (maxLength, maxItems, maxProperties).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class LimitAttribute(int max) : Attribute
{
    public int Max { get; } = max;
}
