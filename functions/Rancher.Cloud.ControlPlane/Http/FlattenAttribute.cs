using System.Text.Json.Serialization.Metadata;

namespace Rancher.Cloud.ControlPlane.Http;

/// <summary>
/// The property's own fields are written in place of it: a view that carries a domain record
/// shows that record's fields at its top level, so the API stays flat while the fields are
/// declared once. Output only; views are never read back.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FlattenAttribute(params string[] except) : Attribute
{
    /// <summary>JSON names of the carried record's fields that the view does not show.</summary>
    public IReadOnlyCollection<string> Except { get; } = except;

    /// <summary>A resolver modifier that replaces each <see cref="FlattenAttribute"/> property with its record's properties.</summary>
    public static void Apply(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }
        for (var i = info.Properties.Count - 1; i >= 0; i--)
        {
            var outer = info.Properties[i];
            if (outer.AttributeProvider?.GetCustomAttributes(typeof(FlattenAttribute), inherit: false) is not [FlattenAttribute flatten]
                || outer.Get is not { } getCarried)
            {
                continue;
            }
            info.Properties.RemoveAt(i);
            var carried = info.Options.GetTypeInfo(outer.PropertyType);
            var at = i;
            foreach (var inner in carried.Properties.Where(p => p.Get is not null && !flatten.Except.Contains(p.Name)))
            {
                info.Properties.Insert(at++, Lifted(info, inner, getCarried));
            }
        }
    }

    private static JsonPropertyInfo Lifted(JsonTypeInfo info, JsonPropertyInfo inner, Func<object, object?> getCarried)
    {
        var getInner = inner.Get!;
        var lifted = info.CreateJsonPropertyInfo(inner.PropertyType, inner.Name);
        lifted.Get = owner => getCarried(owner) is { } carried ? getInner(carried) : null;
        lifted.AttributeProvider = inner.AttributeProvider;
        lifted.CustomConverter = inner.CustomConverter;
        // The schema says what the carried record says: which fields may be null, which are always there.
        lifted.IsGetNullable = inner.IsGetNullable;
        lifted.IsSetNullable = inner.IsSetNullable;
        if (inner.IsRequired || inner.AssociatedParameter is { HasDefaultValue: false, IsMemberInitializer: false })
        {
            // Required needs a setter; views are written, never read.
            lifted.Set = (_, _) => throw new NotSupportedException("A view is written, never read.");
            lifted.IsRequired = true;
        }
        if (inner.ShouldSerialize is { } should)
        {
            lifted.ShouldSerialize = (owner, value) => getCarried(owner) is { } carried && should(carried, value);
        }
        return lifted;
    }
}
