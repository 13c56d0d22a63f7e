using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Experiments;
using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Host.Pages.Experiments;

public enum FieldKind { Integer, Number, Boolean, Choice, List }

/// <param name="Path">The JSON path the API names the field by in its errors: "hyperparameters.optimizer.learningRate".</param>
/// <param name="Choices">An enum's names, for <see cref="FieldKind.Choice"/>.</param>
public sealed record FormField(string Path, string Label, FieldKind Kind, string Value, IReadOnlyList<string> Choices);

public sealed record FormGroup(string Path, string Title, IReadOnlyList<FormField> Fields, IReadOnlyList<FormGroup> Groups);

/// <summary>
/// The hyperparameter record as nested form groups, walked through its JSON contract (the one the API reads), so a field added
/// to the record appears on the form under the name and path a submission and its errors use, with no page to change.
/// </summary>
public static class HyperparameterForm
{
    // Its own resolver: the shared options have none until their first (de)serialisation, and may not have had one yet.
    private static readonly DefaultJsonTypeInfoResolver Contracts = new();

    public static FormGroup For(Hyperparameters hyperparameters) => Group(HyperparameterResolution.Field, "run", hyperparameters);

    private static FormGroup Group(string path, string title, object record)
    {
        var fields = new List<FormField>();
        var groups = new List<FormGroup>();
        foreach (var property in Contracts.GetTypeInfo(record.GetType(), HyperparameterJson.Options).Properties)
        {
            string fieldPath = $"{path}.{property.Name}";
            object value = property.Get!(record)!;
            if (KindOf(property) is { } kind)
            {
                var choices = property.PropertyType.IsEnum ? Enum.GetNames(property.PropertyType) : [];
                fields.Add(new FormField(fieldPath, property.Name, kind, Text(value), choices));
            }
            else
            {
                groups.Add(Group(fieldPath, property.Name, value));
            }
        }

        return new FormGroup(path, title, fields, groups);
    }

    private static FieldKind? KindOf(JsonPropertyInfo property) => property.PropertyType switch
    {
        var t when t == typeof(int) => FieldKind.Integer,
        var t when t == typeof(double) => FieldKind.Number,
        var t when t == typeof(bool) => FieldKind.Boolean,
        { IsEnum: true } => FieldKind.Choice,
        var t when t == typeof(IReadOnlyList<string>) => FieldKind.List,
        _ => null,
    };

    private static string Text(object value) => value switch
    {
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        IEnumerable<string> items => string.Join(", ", items),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}

/// <summary>The dataset and preset a form starts from; <see cref="DatasetId"/> null selects the first dataset.</summary>
public sealed record DatasetAndPreset(IReadOnlyList<Domain.Datasets.Dataset> Datasets, Guid? DatasetId, string Preset);
