using System.Globalization;
using System.Reflection;
using System.Text.Json;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;

namespace AlexNet.Experiments.Application.Runs.SearchRuns;

/// <summary>
/// One search condition written as <c>name op value</c>: <c>model.lrn.enabled=false</c>, <c>optimizer.learningRate&gt;=0.001</c>,
/// <c>validationTop1Error&lt;0.4</c>. The name is a hyperparameter's JSON path (checked against <see cref="Hyperparameters"/>)
/// or a final metric; op is one of = != &lt; &lt;= &gt; &gt;= (booleans, names and text take only = and !=).
/// </summary>
public sealed record RunFilter(HyperparameterCondition? Hyperparameter, MetricCondition? Metric)
{
    private static readonly (string Text, Comparison Comparison)[] Operators =
    [
        ("<=", Comparison.LessOrEqual), (">=", Comparison.GreaterOrEqual), ("!=", Comparison.NotEqual), ("==", Comparison.Equal),
        ("<", Comparison.Less), (">", Comparison.Greater), ("=", Comparison.Equal),
    ];

    /// <summary>Metrics a filter may name: every <see cref="RunField"/> that is a final figure.</summary>
    public static IReadOnlyList<RunField> Metrics { get; } =
        Enum.GetValues<RunField>().Where(f => f is not (RunField.CreatedAt or RunField.UpdatedAt or RunField.EpochsCompleted)).ToList();

    public static string FieldName(RunField field) => JsonNamingPolicy.CamelCase.ConvertName(field.ToString());

    public static RunField? ParseField(string name) =>
        Enum.GetValues<RunField>().Cast<RunField?>().FirstOrDefault(f => string.Equals(FieldName(f!.Value), name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The condition, or the reason it is not one.</summary>
    public static (RunFilter? Filter, string? Error) Parse(string text)
    {
        int at = text.IndexOfAny(['<', '>', '=', '!']);
        if (at <= 0)
        {
            return (null, $"'{text}' is not a condition; write name<op>value, e.g. model.lrn.enabled=false or validationTop1Error<0.4.");
        }

        var (op, comparison) = Operators.First(o => text.AsSpan(at).StartsWith(o.Text, StringComparison.Ordinal) || o.Text == text[at].ToString());
        var name = text[..at].Trim();
        var value = text[(at + op.Length)..].Trim();

        if (ParseField(name) is { } field && Metrics.Contains(field))
        {
            var (number, error) = ParseNumber(value, name);
            return error is null ? (new RunFilter(null, new MetricCondition(field, comparison, number)), null) : (null, error);
        }

        if (ResolvePath(name) is not var (path, type))
        {
            return (null, $"'{name}' is neither a hyperparameter (e.g. model.lrn.enabled) nor a metric ({string.Join(", ", Metrics.Select(FieldName))}).");
        }

        bool ordered = comparison is not (Comparison.Equal or Comparison.NotEqual);
        if (type == typeof(bool))
        {
            return ordered || !bool.TryParse(value, out var flag)
                ? (null, $"{name} is true or false and compares only with = or !=.")
                : (new RunFilter(new HyperparameterCondition(path, comparison, flag ? 1 : 0, null), null), null);
        }

        if (type.IsEnum)
        {
            var names = Enum.GetNames(type);
            return names.FirstOrDefault(n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase)) is { } canonical && !ordered
                ? (new RunFilter(new HyperparameterCondition(path, comparison, null, canonical), null), null)
                : (null, $"{name} is one of {string.Join(", ", names)} and compares only with = or !=.");
        }

        if (type == typeof(string))
        {
            return ordered
                ? (null, $"{name} is text and compares only with = or !=.")
                : (new RunFilter(new HyperparameterCondition(path, comparison, null, value), null), null);
        }

        var (parsed, notNumber) = ParseNumber(value, name);
        return notNumber is null ? (new RunFilter(new HyperparameterCondition(path, comparison, parsed, null), null), null) : (null, notNumber);
    }

    /// <summary>
    /// A finite number, or why not. double.TryParse takes "NaN" and "Infinity", and reads 1e309 as infinity: neither the stores
    /// (SQLite cannot bind NaN) nor any hyperparameter or metric has such a value, so they are refused rather than compared.
    /// </summary>
    private static (double Number, string? Error) ParseNumber(string value, string name) =>
        !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? (0, $"'{value}' is not a number for {name}.")
        : !double.IsFinite(number) ? (0, $"'{value}' is not a finite number for {name}.")
        : (number, null);

    /// <summary>"model.LRN.enabled" -> ("$.model.lrn.enabled", bool); null unless it names a single value of <see cref="Hyperparameters"/>.</summary>
    private static (string Path, Type Type)? ResolvePath(string name)
    {
        var type = typeof(Hyperparameters);
        var segments = new List<string>();
        foreach (var segment in name.Split('.'))
        {
            var property = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .FirstOrDefault(p => string.Equals(p.Name, segment, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                return null;
            }

            segments.Add(JsonNamingPolicy.CamelCase.ConvertName(property.Name));
            type = property.PropertyType;
        }

        bool scalar = type.IsPrimitive || type.IsEnum || type == typeof(string);
        return scalar ? ("$." + string.Join('.', segments), type) : null;
    }
}
