namespace Rancher.Cloud.Domain.Errors;

/// <summary>
/// Validation failures keyed by the JSON path of the field (e.g. <c>ports[1].published</c>),
/// each with the reasons it was refused. Bounded, since a refusal is built from what a client
/// sent: at most <see cref="MaxFields"/> fields and <see cref="MaxReasons"/> reasons each, and
/// paths and reasons cut at <see cref="MaxText"/> characters (a file of many errors under one long
/// key once answered hundreds of megabytes).
/// </summary>
public sealed class FieldErrors
{
    public const int MaxFields = 100;

    public const int MaxReasons = 10;

    public const int MaxText = 1_000;

    /// <summary>The entry that says how many refusals were left out.</summary>
    public const string MoreField = "…";

    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);
    private int leftOut;

    public bool IsEmpty => errors.Count == 0 && leftOut == 0;

    public IReadOnlyDictionary<string, string[]> ToDictionary()
    {
        var result = errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
        if (leftOut > 0)
        {
            result[MoreField] = [$"{leftOut} more refusals are left out; fix these and send again"];
        }
        return result;
    }

    public FieldErrors Add(string field, string reason)
    {
        field = Cut(field);
        if (!errors.TryGetValue(field, out var reasons))
        {
            if (errors.Count == MaxFields)
            {
                leftOut++;
                return this;
            }
            reasons = [];
            errors[field] = reasons;
        }
        if (reasons.Count == MaxReasons)
        {
            leftOut++;
            return this;
        }
        reasons.Add(Cut(reason));
        return this;
    }

    public static FieldErrors Of(string field, string reason) => new FieldErrors().Add(field, reason);

    private static string Cut(string text) => text.Length <= MaxText ? text : text[..MaxText] + "…";
}
