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
        Converters = { new JsonStringEnumConverter() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string ToCanonicalJson(Hyperparameters hyperparameters) =>
        Canonicalise(JsonSerializer.SerializeToNode(hyperparameters, Options)!).ToJsonString(Options);

    public static Hyperparameters FromJson(string json) =>
        JsonSerializer.Deserialize<Hyperparameters>(json, Options) ?? throw new JsonException("Hyperparameters must be a JSON object.");

    public static string Sha256(string canonicalJson) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)));

    /// <summary>Overlays <paramref name="overrides"/> on <paramref name="baseline"/> field by field. Throws JsonException naming the bad path.</summary>
    public static Hyperparameters Merge(Hyperparameters baseline, JsonObject? overrides)
    {
        var merged = JsonSerializer.SerializeToNode(baseline, Options)!.AsObject();
        if (overrides is not null)
        {
            Overlay(merged, overrides);
        }

        return JsonSerializer.Deserialize<Hyperparameters>(merged, Options)!;
    }

    private static void Overlay(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source)
        {
            var existing = target.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase));
            if (existing.Value is JsonObject targetChild && value is JsonObject sourceChild)
            {
                Overlay(targetChild, sourceChild);
                continue;
            }

            if (existing.Key is not null)
            {
                target.Remove(existing.Key);
            }

            target[existing.Key ?? key] = value?.DeepClone();
        }
    }

    private static JsonNode Canonicalise(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Canonicalise(p.Value)))),
        JsonArray array => new JsonArray(array.Select(item => item is null ? null : Canonicalise(item)).ToArray()),
        _ => node.DeepClone(),
    };
}
