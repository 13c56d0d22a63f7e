using System.Reflection;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Experiments;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AlexNet.Experiments.Host.Api;

/// <summary>
/// Makes /openapi/v1.json say what the endpoints take, so clients and generated tests can build requests from it. Left to itself
/// the generator describes a request body from its C# record: every field required and nullable (the opposite of
/// <see cref="RequestBodyAttribute"/>), hyperparameters and grids as an empty schema (they are read as JSON objects), and
/// doubles without a type (their converter, <see cref="NonFiniteAsNull"/>, hides it).
/// </summary>
public static class RequestSchemas
{
    private const string HyperparametersField = "hyperparameters";
    private const string GridField = "grid";
    private const string PresetField = "preset";

    public static OpenApiOptions DescribeRequestBodies(this OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddSchemaTransformer((schema, _, _) =>
        {
            if (schema.Type is null && schema.Format is "double" or "float")
            {
                schema.Type = JsonSchemaType.Number;
            }

            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            foreach (var type in typeof(RequestBodyAttribute).Assembly.GetTypes())
            {
                if (type.GetCustomAttribute<RequestBodyAttribute>() is { } body
                    && document.Components?.Schemas?.TryGetValue(type.Name, out var found) == true && found is OpenApiSchema schema)
                {
                    Describe(schema, body, document);
                }
            }

            return Task.CompletedTask;
        });
        return options;
    }

    private static void Describe(OpenApiSchema body, RequestBodyAttribute rules, OpenApiDocument document)
    {
        body.Required = new HashSet<string>(rules.Required, StringComparer.Ordinal);
        foreach (var (name, property) in body.Properties?.ToList() ?? [])
        {
            body.Properties![name] = name switch
            {
                HyperparametersField => Overrides(document),
                GridField => Grid(document),
                PresetField => Preset(),
                _ => NeverNull(property),
            };
        }
    }

    /// <summary>A field may be left out but is never null: the nullable half of "type" or of a oneOf goes.</summary>
    private static IOpenApiSchema NeverNull(IOpenApiSchema property)
    {
        if (property is not OpenApiSchema schema)
        {
            return property;
        }

        if (schema.OneOf is [var first, var second] && (IsNull(first) || IsNull(second)))
        {
            return IsNull(first) ? second : first;
        }

        if (schema.Type is { } type && type != JsonSchemaType.Null)
        {
            schema.Type = type & ~JsonSchemaType.Null;
        }

        return schema;

        static bool IsNull(IOpenApiSchema s) => s.Type == JsonSchemaType.Null;
    }

    private static OpenApiSchemaReference Overrides(OpenApiDocument document) =>
        new(nameof(Hyperparameters), document) { Description = "Fields to override on the preset, each optional, e.g. { \"epochs\": 3, \"model\": { \"dropout\": 0.3 } }." };

    private static OpenApiSchema Grid(OpenApiDocument document) => new()
    {
        Type = JsonSchemaType.Object,
        Description = "Hyperparameter path -> values to try, e.g. { \"model.activation\": [\"ReLU\", \"Tanh\"] }; the key \"variant\" names "
            + "override sets instead, e.g. { \"variant\": { \"no LRN\": { \"model\": { \"lrn\": { \"enabled\": false } } } } }.",
        AdditionalProperties = new OpenApiSchema
        {
            OneOf =
            [
                new OpenApiSchema { Type = JsonSchemaType.Array, MinItems = 1, Items = new OpenApiSchema() },
                new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalProperties = new OpenApiSchemaReference(nameof(Hyperparameters), document) },
            ],
        },
    };

    private static OpenApiSchema Preset() => new()
    {
        Type = JsonSchemaType.String,
        Enum = [.. HyperparameterPresets.All.Keys.Order(StringComparer.Ordinal).Select(name => (JsonNode)JsonValue.Create(name))],
    };
}
