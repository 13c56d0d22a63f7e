using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace AlexNet.Experiments.Host.Api;

/// <summary>
/// A JSON request body: each field may be left out, and then takes its default, but is never null. Without this,
/// System.Text.Json reads <c>"preset": null</c> as if the field were left out, and a client's null silently becomes the
/// default preset.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RequestBodyAttribute : Attribute
{
    /// <summary>The fields, by their JSON names, that a request must carry; the OpenAPI document lists them as required.</summary>
    public string[] Required { get; init; } = [];

    /// <summary>
    /// Makes <paramref name="options"/> refuse null in every field of a <see cref="RequestBodyAttribute"/> type, with a
    /// JsonException that names the field (400 with errors.preset). System.Text.Json enforces a field's nullability only
    /// with RespectNullableAnnotations; every property of every other type is declared nullable both ways, so nothing else
    /// changes: responses are written as before.
    /// </summary>
    public static void RefuseNullFields(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RespectNullableAnnotations = true;
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(DeclareNullability);
    }

    private static void DeclareNullability(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        bool body = type.Type.IsDefined(typeof(RequestBodyAttribute), inherit: false);
        foreach (var property in type.Properties)
        {
            if (property.PropertyType.IsValueType && Nullable.GetUnderlyingType(property.PropertyType) is null)
            {
                continue; // an int or an enum is never null; its converter refuses a JSON null already
            }

            property.IsGetNullable = true;
            property.IsSetNullable = !body; // a body's constructor parameters follow their properties
        }
    }
}
