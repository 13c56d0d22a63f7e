using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AlexNet.Experiments.Application.Common;

/// <summary>
/// Reads a JSON object into a <see cref="JsonObject"/>, refusing a repeated field (in any letter case, as fields are matched)
/// and an object with more than <see cref="JsonErrors.MaxProperties"/> fields at the first offending field. The built-in
/// converter throws ArgumentException on a repeated field, which would surface as a 500.
/// </summary>
public sealed class StrictJsonObjectConverter : JsonConverter<JsonObject>
{
    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = true };

    public override JsonObject Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.StartObject ? ReadObject(ref reader, "") : throw new JsonException("Expected an object.");

    public override void Write(Utf8JsonWriter writer, JsonObject value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(value);
        value.WriteTo(writer, options);
    }

    private static JsonObject ReadObject(ref Utf8JsonReader reader, string path)
    {
        var result = new JsonObject(NodeOptions);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string name = reader.GetString()!;
            string fieldPath = $"{path}.{name}";
            if (!names.Add(name))
            {
                throw new JsonFieldException(fieldPath, "Duplicate field.");
            }

            if (names.Count > JsonErrors.MaxProperties)
            {
                throw new JsonFieldException(fieldPath, $"An object may have at most {JsonErrors.MaxProperties} fields.");
            }

            reader.Read();
            result.Add(name, ReadValue(ref reader, fieldPath));
        }

        return result;
    }

    private static JsonNode? ReadValue(ref Utf8JsonReader reader, string path)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                return ReadObject(ref reader, path);
            case JsonTokenType.StartArray:
                var array = new JsonArray(NodeOptions);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    array.Add(ReadValue(ref reader, $"{path}[{array.Count}]"));
                }

                return array;
            case JsonTokenType.Null:
                return null;
            default:
                return JsonValue.Create(JsonElement.ParseValue(ref reader), NodeOptions);
        }
    }
}

/// <summary>A JsonException about a field inside a value the serializer is reading; the serializer's own Path stops at that value.</summary>
public sealed class JsonFieldException(string relativePath, string message) : JsonException(message)
{
    /// <summary>Below the serializer's <see cref="JsonException.Path"/>, e.g. ".model.dropout".</summary>
    public string RelativePath { get; } = relativePath;

    public static string FullPath(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return (exception.Path ?? "$") + (exception is JsonFieldException field ? field.RelativePath : "");
    }
}
