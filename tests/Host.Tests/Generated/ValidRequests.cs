using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;

namespace AlexNet.Experiments.Host.Tests.Generated;

/// <summary>
/// Values the host holds, by the name of the field or parameter that takes them (datasetId, runId, sourcePath, ...), so that a
/// generated request reaches past "not found"; <see cref="Words"/> for any other text and <see cref="MapKeys"/> for the keys of a
/// map (a study's grid takes hyperparameter paths).
/// </summary>
public sealed record KnownValues(IReadOnlyDictionary<string, IReadOnlyList<string>> ByName, IReadOnlyList<string> Words, IReadOnlyList<string> MapKeys);

/// <summary>
/// A request that the OpenAPI document allows: each path parameter, each required query parameter and some optional ones, and a
/// body built from its schema with the required fields and some optional ones. Valid by the schema, not always by the server's
/// rules: a generated epoch count may be out of range, and is then a 400 like any hostile value.
/// </summary>
public sealed class ValidRequests(ApiDescription api, KnownValues known, Draw draw)
{
    private const int MaxDepth = 6;
    private static readonly double[] Numbers = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.9, 1, 2, 10];

    public RequestDraft For(ApiOperation operation)
    {
        var path = operation.Parameters.Where(p => p.In == "path").Select(p => new Field(p.Name, Scalar(p.Name, p.Schema))).ToImmutableList();
        var query = ImmutableList.CreateBuilder<Field>();
        foreach (var parameter in operation.Parameters.Where(p => p.In == "query" && (p.Required || draw.Chance(40))))
        {
            var schema = api.Resolve(parameter.Schema);
            int repeats = Types(schema).Contains("array") ? 1 + draw.Below(3) : 1;
            for (int i = 0; i < repeats; i++)
            {
                query.Add(new Field(parameter.Name, Scalar(parameter.Name, schema["items"] ?? schema)));
            }
        }

        JsonText? json = null;
        byte[]? upload = null;
        if (operation.BodySchema is { } body)
        {
            if (operation.BodyContentType == "application/json")
            {
                json = Value("", body, 0);
            }
            else
            {
                upload = draw.Bytes(draw.Below(64));
            }
        }

        return new RequestDraft(operation, path, query.ToImmutable(), json, upload, []);
    }

    /// <summary>A JSON value for <paramref name="schema"/>; <paramref name="name"/> is the field it goes in, for known values.</summary>
    public JsonText Value(string name, JsonNode schema, int depth)
    {
        schema = api.Resolve(schema);
        if (schema["oneOf"] is JsonArray choices)
        {
            return Value(name, draw.Pick(choices.Where(c => !Types(api.Resolve(c!)).SequenceEqual(["null"])).ToList())!, depth);
        }

        if (schema["enum"] is JsonArray values)
        {
            // A nullable enum lists null among its values; null is the mutations' business, not a valid request's.
            return new JsonText.Text(draw.Pick(values.Where(v => v is not null).ToList())!.GetValue<string>());
        }

        var types = Types(schema).Where(t => t != "null").ToList();
        string type = types.Count == 0 ? draw.Pick(["string", "integer", "number", "boolean"]) : draw.Pick(types);
        return type switch
        {
            "object" when depth < MaxDepth => Object(schema, depth),
            "array" when depth < MaxDepth => new JsonText.Array(
                Enumerable.Range(0, draw.Below(4)).Select(_ => Value(name, schema["items"] ?? new JsonObject(), depth + 1)).ToImmutableList()),
            "object" => new JsonText.Object([]),
            "array" => new JsonText.Array([]),
            "integer" => JsonText.Number(Integer()),
            "number" => JsonText.Number(draw.Pick(Numbers)),
            "boolean" => new JsonText.Raw(draw.Chance(50) ? "true" : "false"),
            _ => new JsonText.Text(Scalar(name, schema)),
        };
    }

    private JsonText.Object Object(JsonNode schema, int depth)
    {
        var members = ImmutableList.CreateBuilder<JsonText.Member>();
        var required = (schema["required"]?.AsArray() ?? []).Select(r => r!.GetValue<string>()).ToHashSet();
        foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
        {
            if (required.Contains(name) || draw.Chance(35))
            {
                members.Add(new JsonText.Member(name, Value(name, property!, depth + 1)));
            }
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            foreach (var key in Enumerable.Range(0, draw.Below(3)).Select(_ => draw.Pick(known.MapKeys)).Distinct())
            {
                members.Add(new JsonText.Member(key, Value(key, additional, depth + 1)));
            }
        }

        return new JsonText.Object(members.ToImmutable());
    }

    /// <summary>A parameter's or a field's value as text: one of its enum, a known value for a text field by its name, else one of its schema's type.</summary>
    private string Scalar(string name, JsonNode schema)
    {
        schema = api.Resolve(schema);
        var types = Types(schema);
        if (schema["enum"] is JsonArray choices)
        {
            return draw.Pick(choices.ToList())!.GetValue<string>();
        }

        if (known.ByName.TryGetValue(name, out var values) && types.All(t => t is "string" or "null") && draw.Chance(85))
        {
            return draw.Pick(values);
        }

        return (types.Contains("integer"), types.Contains("number"), types.Contains("boolean"), schema["format"]?.GetValue<string>()) switch
        {
            (true, _, _, _) => Integer().ToString(CultureInfo.InvariantCulture),
            (_, true, _, _) => draw.Pick(Numbers).ToString("R", CultureInfo.InvariantCulture),
            (_, _, true, _) => draw.Chance(50) ? "true" : "false",
            (_, _, _, "uuid") => draw.Guid().ToString(),
            _ => draw.Pick(known.Words),
        };
    }

    /// <summary>Small, as counts and sizes are; the mutations bring the extremes.</summary>
    private int Integer() => draw.Chance(80) ? draw.Below(9) : draw.Below(257);

    private static IReadOnlyList<string> Types(JsonNode schema) => schema["type"] switch
    {
        JsonArray many => many.Select(t => t!.GetValue<string>()).ToList(),
        JsonValue one => [one.GetValue<string>()],
        _ => [],
    };
}
