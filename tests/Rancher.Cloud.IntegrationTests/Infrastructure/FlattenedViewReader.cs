using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Rancher.Cloud.ControlPlane.Http;

namespace Rancher.Cloud.IntegrationTests.Infrastructure;

/// <summary>
/// Reads a view the API writes flat with <see cref="FlattenAttribute"/> (a service's spec fields at
/// its top level). The API never reads its views, so its resolver only writes them; here the
/// carried record is read from the same object's fields and the rest of the view as declared, so
/// a field renamed in the view or its record still breaks the tests at compile time.
/// </summary>
internal sealed class FlattenedViewReader : JsonConverterFactory
{
    /// <summary>The API's options without the flattening: a view whose carried record is nested again reads as declared.</summary>
    private static readonly JsonSerializerOptions Nested = new(ApiJson.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    public override bool CanConvert(Type typeToConvert) => Flattened(typeToConvert).Length > 0;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options)
    {
        var names = Flattened(typeToConvert).Select(p => options.PropertyNamingPolicy?.ConvertName(p.Name) ?? p.Name).ToArray();
        return (JsonConverter)Activator.CreateInstance(typeof(Reader<>).MakeGenericType(typeToConvert), [names])!;
    }

    private static PropertyInfo[] Flattened(Type type) =>
        type.GetProperties().Where(p => p.GetCustomAttribute<FlattenAttribute>() is not null).ToArray();

    private sealed class Reader<T>(string[] carried) : JsonConverter<T>
    {
        public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var view = JsonNode.Parse(ref reader)!.AsObject();
            foreach (var name in carried)
            {
                // The carried record ignores the view's own fields, as the API's options ignore unknown ones.
                view[name] = view.DeepClone();
            }
            return view.Deserialize<T>(Nested);
        }

        /// <summary>Written as the API writes it, for failure messages.</summary>
        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, ApiJson.Options);
    }
}
