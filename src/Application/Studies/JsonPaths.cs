using System.Text.Json.Nodes;

namespace AlexNet.Experiments.Application.Studies;

/// <summary>Dotted hyperparameter paths (<c>model.lrn.enabled</c>) over JSON objects: resolving, comparing and setting them.</summary>
internal static class JsonPaths
{
    /// <summary>The path's segments as the hyperparameter JSON spells them (matched in any case, as overrides are), or null if unknown.</summary>
    public static string[]? CanonicalSegments(JsonObject schema, string key)
    {
        var parts = key.Split('.');
        var segments = new string[parts.Length];
        JsonNode? node = schema;
        for (int i = 0; i < parts.Length; i++)
        {
            if (node is not JsonObject obj || obj.FirstOrDefault(p => string.Equals(p.Key, parts[i], StringComparison.OrdinalIgnoreCase)) is not { Key: { } name } property)
            {
                return null;
            }

            segments[i] = name;
            node = property.Value;
        }

        return segments;
    }

    public static bool Overlaps(string a, string b) =>
        a == b || a.StartsWith(b + ".", StringComparison.Ordinal) || b.StartsWith(a + ".", StringComparison.Ordinal);

    public static JsonObject Override(string[] segments, JsonNode value)
    {
        var root = new JsonObject();
        Set(root, segments, value);
        return root;
    }

    public static void MergeInto(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source)
        {
            if (value is JsonObject child && target[key] is JsonObject existing)
            {
                MergeInto(existing, child);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    public static void Set(JsonObject root, string[] segments, JsonNode value)
    {
        var target = root;
        foreach (var segment in segments[..^1])
        {
            target = target[segment] as JsonObject ?? (JsonObject)(target[segment] = new JsonObject());
        }

        target[segments[^1]] = value.DeepClone();
    }
}
