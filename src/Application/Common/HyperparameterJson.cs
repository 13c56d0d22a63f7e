using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Application.Common;

/// <summary>
/// The one JSON form of hyperparameters: camelCase, enums by name, unknown fields rejected.
/// Canonical form = that, with object keys sorted ordinally and no whitespace, so equal settings hash equally.
/// </summary>
public static class HyperparameterJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict, // the web default reads "1" as 1
        AllowDuplicateProperties = false,
        MaxDepth = JsonErrors.MaxDepth,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string ToCanonicalJson(Hyperparameters hyperparameters) =>
        Canonicalise(JsonSerializer.SerializeToNode(hyperparameters, Options)!).ToJsonString(Options);

    public static Hyperparameters FromJson(string json) =>
        JsonSerializer.Deserialize<Hyperparameters>(json, Options) ?? throw new JsonException("Hyperparameters must be a JSON object.");

    public static string Sha256(string canonicalJson) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)));

    /// <summary>
    /// Overlays <paramref name="overrides"/> on <paramref name="baseline"/> field by field. Throws JsonException naming the bad path
    /// at the first field that is unknown, repeated, null or of the wrong JSON kind: every hyperparameter has a value, so null
    /// never means anything, and stopping at the first bad field keeps the cost linear in the request.
    /// </summary>
    public static Hyperparameters Merge(Hyperparameters baseline, JsonObject? overrides)
    {
        var merged = JsonSerializer.SerializeToNode(baseline, Options)!.AsObject();
        if (overrides is not null)
        {
            Overlay(merged, overrides, "$");
        }

        return JsonSerializer.Deserialize<Hyperparameters>(merged, Options)!;
    }

    private static void Overlay(JsonObject target, JsonObject source, string path)
    {
        if (source.Count > JsonErrors.MaxProperties)
        {
            throw new JsonException($"An object may have at most {JsonErrors.MaxProperties} fields.", path, null, null);
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in source)
        {
            string fieldPath = $"{path}.{key}";
            // The target holds only the known fields (a dozen at most), so this lookup is cheap and the target never grows.
            string name = target.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase))
                ?? throw new JsonException("Unknown field.", fieldPath, null, null);
            if (!seen.Add(name))
            {
                throw new JsonException("Duplicate field.", fieldPath, null, null);
            }

            var existing = target[name]!;
            if (value is null)
            {
                throw new JsonException("Must not be null; leave the field out to keep the preset's value.", fieldPath, null, null);
            }

            if (existing is JsonObject targetChild)
            {
                Overlay(targetChild, value as JsonObject ?? throw new JsonException("Expected an object.", fieldPath, null, null), fieldPath);
                continue;
            }

            if (existing.GetValueKind() != value.GetValueKind() && !(IsBoolean(existing) && IsBoolean(value)))
            {
                throw new JsonException(ExpectedKind(existing), fieldPath, null, null);
            }

            if (value is JsonArray array && array.IndexOf(null) is var index and >= 0)
            {
                throw new JsonException("Must not be null.", $"{fieldPath}[{index}]", null, null);
            }

            target[name] = value.DeepClone();
        }
    }

    private static bool IsBoolean(JsonNode node) => node.GetValueKind() is JsonValueKind.True or JsonValueKind.False;

    private static string ExpectedKind(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Number => "Expected a number.",
        JsonValueKind.String => "Expected a string.",
        JsonValueKind.Array => "Expected an array.",
        JsonValueKind.True or JsonValueKind.False => "Expected true or false.",
        _ => "Expected an object.",
    };

    private static JsonNode Canonicalise(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Canonicalise(p.Value)))),
        JsonArray array => new JsonArray(array.Select(item => item is null ? null : Canonicalise(item)).ToArray()),
        _ => node.DeepClone(),
    };
}
