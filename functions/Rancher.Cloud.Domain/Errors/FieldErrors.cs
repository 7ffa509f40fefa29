namespace Rancher.Cloud.Domain.Errors;

/// <summary>
/// Validation failures keyed by the JSON path of the field (e.g. <c>ports[1].published</c>),
/// each with the reasons it was refused.
/// </summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public bool IsEmpty => errors.Count == 0;

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    public FieldErrors Add(string field, string reason)
    {
        if (!errors.TryGetValue(field, out var reasons))
        {
            reasons = [];
            errors[field] = reasons;
        }
        reasons.Add(reason);
        return this;
    }

    public static FieldErrors Of(string field, string reason) => new FieldErrors().Add(field, reason);
}
