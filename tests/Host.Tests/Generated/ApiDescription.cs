using System.Text.Json.Nodes;

namespace AlexNet.Experiments.Host.Tests.Generated;

/// <summary>A parameter of an operation as the OpenAPI document gives it: in path or query.</summary>
public sealed record ApiParameter(string Name, string In, bool Required, JsonNode Schema);

/// <summary>One operation of the OpenAPI document: what a generated request is built from.</summary>
public sealed record ApiOperation(string Method, string Path, IReadOnlyList<ApiParameter> Parameters, string? BodyContentType, JsonNode? BodySchema)
{
    public override string ToString() => $"{Method} {Path}";
}

/// <summary>The operations of /openapi/v1.json and its component schemas, with $ref resolved on request.</summary>
public sealed class ApiDescription(JsonNode document)
{
    public IReadOnlyList<ApiOperation> Operations { get; } = ReadOperations(document);

    /// <summary>The schema itself, or the component it refers to.</summary>
    public JsonNode Resolve(JsonNode schema)
    {
        while (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            string name = reference[(reference.LastIndexOf('/') + 1)..];
            schema = document["components"]!["schemas"]![name] ?? throw new InvalidOperationException($"No component {reference}");
        }

        return schema;
    }

    /// <summary>Every dotted path into an object schema's properties (model, model.lrn, model.lrn.k, ...), as a study's grid names them.</summary>
    public IEnumerable<string> PropertyPaths(JsonNode schema, string prefix = "", int depth = 0)
    {
        if (depth > 4 || Resolve(schema)["properties"] is not JsonObject properties)
        {
            yield break;
        }

        foreach (var (name, property) in properties)
        {
            string path = prefix.Length == 0 ? name : $"{prefix}.{name}";
            yield return path;
            foreach (var inner in PropertyPaths(property!, path, depth + 1))
            {
                yield return inner;
            }
        }
    }

    private static List<ApiOperation> ReadOperations(JsonNode document)
    {
        var operations = new List<ApiOperation>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var parameters = (operation!["parameters"]?.AsArray() ?? [])
                    .Select(p => new ApiParameter(
                        p!["name"]!.GetValue<string>(), p["in"]!.GetValue<string>(), p["required"]?.GetValue<bool>() ?? false, p["schema"] ?? new JsonObject()))
                    .ToList();
                var content = operation["requestBody"]?["content"]?.AsObject().FirstOrDefault();
                operations.Add(new ApiOperation(method.ToUpperInvariant(), path, parameters, content?.Key, content?.Value?["schema"]));
            }
        }

        return operations;
    }
}
