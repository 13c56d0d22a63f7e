using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Studies;
using AlexNet.Experiments.Application.Studies.GetStudy;
using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Host.Pages.Studies;

/// <summary>A mark on an axis: <paramref name="Position"/> from 0 (bottom) to 1 (top).</summary>
public sealed record AxisTick(double Position, string Text);

/// <param name="Path">The grid key (a hyperparameter path, or "variant"); null for the error axis.</param>
public sealed record ParallelAxis(string? Path, string Label, IReadOnlyList<AxisTick> Ticks);

/// <summary>One finished run: its position on each axis, in axis order, and its error's position for its colour.</summary>
public sealed record ParallelLine(Guid RunId, string Title, IReadOnlyList<double> Positions, double ErrorPosition);

/// <summary>
/// A sweep at a glance, as W&amp;B and MLflow draw it: an axis per hyperparameter path whose value differs between cells (with
/// named variants, also the variant's name and each path a variant changes), then the final evaluation top-1 error; one line per
/// Succeeded run with an evaluation. Numbers sit on a linear axis (logarithmic when they span a factor of 20 or more, as learning
/// rates do), anything else (booleans, names) at even steps in grid order.
/// </summary>
public sealed record ParallelCoordinates(IReadOnlyList<ParallelAxis> Axes, IReadOnlyList<ParallelLine> Lines)
{
    public static ParallelCoordinates For(StudyDetails study)
    {
        var finished = study.Rows.Where(r => r.Status == RunStatus.Succeeded && r.EvaluationTop1Error is not null).ToList();
        var cells = study.Cells.ToDictionary(c => c.Cell, c => ValuesOf(study, c));
        var varied = cells.Values.SelectMany(values => values.Keys).Distinct()
            .Where(path => cells.Values.Select(values => StudyPlan.ValueText(values.GetValueOrDefault(path))).Distinct().Count() > 1).ToList();
        var scales = varied.Select(path => Scale.Of(cells.Values.Select(values => values.GetValueOrDefault(path)).ToList())).ToList();
        var errorScale = Scale.Numeric(finished.Select(r => r.EvaluationTop1Error!.Value).ToList(), Format.Percent);

        var axes = varied.Select((path, i) => new ParallelAxis(path, path, scales[i].Ticks))
            .Append(new ParallelAxis(null, "eval top-1 error", errorScale.Ticks)).ToList();
        var lines = finished.Where(row => cells.ContainsKey(row.Cell)).Select(row =>
        {
            var values = cells[row.Cell];
            double error = errorScale.Position(JsonValue.Create(row.EvaluationTop1Error!.Value));
            var positions = varied.Select((path, i) => scales[i].Position(values.GetValueOrDefault(path))).Append(error).ToList();
            string described = string.Join(", ", varied.Select(path => $"{path}={StudyPlan.ValueText(values.GetValueOrDefault(path))}"));
            return new ParallelLine(row.RunId, $"run {row.RunId.ToString()[..8]}, seed {row.Seed}: {described}; eval top-1 {Format.Percent(row.EvaluationTop1Error)}", positions, error);
        }).ToList();
        return new ParallelCoordinates(axes, lines);
    }

    /// <summary>
    /// A cell's grid values by key; with named variants, also every hyperparameter a variant sets, as the cell resolves it (the
    /// preset, the shared overrides, the variant), so "no LRN" reads as model.lrn.enabled=false beside "paper"'s true.
    /// </summary>
    private static Dictionary<string, JsonNode?> ValuesOf(StudyDetails study, StudyCell cell)
    {
        var values = cell.Values.ToDictionary(v => v.Key, v => v.Value);
        if (study.Grid[StudyPlan.VariantAxis] is not JsonObject variants
            || cell.Values[StudyPlan.VariantAxis]?.GetValue<string>() is not { } name
            || !HyperparameterPresets.All.TryGetValue(study.Preset, out var preset))
        {
            return values;
        }

        try
        {
            var shared = HyperparameterJson.Merge(preset, study.Hyperparameters.DeepClone().AsObject());
            var resolved = JsonSerializer.SerializeToNode(HyperparameterJson.Merge(shared, variants[name]?.DeepClone().AsObject()), HyperparameterJson.Options)!;
            foreach (var variant in variants.Select(v => v.Value).OfType<JsonObject>())
            {
                foreach (var path in LeafPaths(variant, ""))
                {
                    // As the JSON record spells the path, whatever case the variant used; a path axis of the grid wins.
                    var (canonical, value) = Find(resolved, path.Split('.'));
                    values.TryAdd(canonical, value?.DeepClone());
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // A preset changed since the study was stored may no longer take its overrides: its grid keys remain.
        }

        return values;
    }

    private static IEnumerable<string> LeafPaths(JsonObject overrides, string prefix) =>
        overrides.SelectMany(p => p.Value is JsonObject child ? LeafPaths(child, $"{prefix}{p.Key}.") : [prefix + p.Key]);

    private static (string Path, JsonNode? Value) Find(JsonNode root, string[] segments)
    {
        var names = new List<string>();
        JsonNode? node = root;
        foreach (var segment in segments)
        {
            var property = node!.AsObject().First(p => string.Equals(p.Key, segment, StringComparison.OrdinalIgnoreCase));
            names.Add(property.Key);
            node = property.Value;
        }

        return (string.Join('.', names), node);
    }

    private sealed record Scale(Func<JsonNode?, double> Position, IReadOnlyList<AxisTick> Ticks)
    {
        public static Scale Of(IReadOnlyList<JsonNode?> values) =>
            values.All(v => v is JsonValue n && n.GetValueKind() == JsonValueKind.Number)
                ? Numeric(values.Select(v => v!.GetValue<double>()).ToList(), v => v.ToString("G4", CultureInfo.InvariantCulture))
                : Categories(values.Select(StudyPlan.ValueText).Distinct().ToList());

        public static Scale Numeric(IReadOnlyList<double> values, Func<double, string> text)
        {
            if (values.Count == 0)
            {
                return new Scale(_ => 0.5, []);
            }

            double min = values.Min(), max = values.Max();
            bool logarithmic = min > 0 && max / min >= 20;
            Func<double, double> transform = logarithmic ? Math.Log10 : v => v;
            double low = transform(min), span = transform(max) - low;
            double Place(double v) => span == 0 ? 0.5 : (transform(v) - low) / span;
            var marks = values.Distinct().Count() <= 6 ? values.Distinct() : [min, max];
            return new Scale(v => Place(v!.GetValue<double>()), marks.Select(v => new AxisTick(Place(v), text(v))).ToList());
        }

        private static Scale Categories(List<string> names)
        {
            double Place(int index) => names.Count == 1 ? 0.5 : index / (double)(names.Count - 1);
            return new Scale(v => Place(names.IndexOf(StudyPlan.ValueText(v))), names.Select((name, i) => new AxisTick(Place(i), name)).ToList());
        }
    }
}
