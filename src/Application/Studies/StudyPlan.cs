using System.Text.Json;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Experiments;
using AlexNet.Experiments.Domain.Experiments;
using FluentValidation.Results;

namespace AlexNet.Experiments.Application.Studies;

/// <summary>One (cell, seed) of a study: the cell's values keyed by canonical path, and the resolved hyperparameters.</summary>
public sealed record StudyCellRun(int Cell, JsonObject Values, int Seed, Hyperparameters Hyperparameters);

/// <summary>
/// A study request resolved: every (cell, seed) with hyperparameters that passed the same rules as a single submission.
/// <see cref="Definition"/> is what is stored: shared overrides, the grid keyed by canonical path in the order given, and the seeds.
/// </summary>
public sealed record StudyPlan(JsonObject Definition, IReadOnlyList<string> Paths, IReadOnlyList<StudyCellRun> Runs)
{
    /// <summary>More runs than this in one study is almost certainly a mistake on a machine that trains one run at a time.</summary>
    public const int MaxRuns = 256;

    /// <summary>
    /// Preset + shared overrides + one value per grid axis + seed, for every cell of the grid and every seed. Failures name the
    /// request field: "hyperparameters.…" and "preset" as for an experiment, "grid['model.lrn.enabled'][1]" for a grid value,
    /// "seeds[2]" for a seed, "grid['variant']['no LRN'].model.lrn" for a named override, and "grid" for a combination of values
    /// that fails together.
    /// </summary>
    public static (StudyPlan? Plan, IReadOnlyList<ValidationFailure> Failures) Build(
        string preset, JsonObject? shared, JsonObject? grid, IReadOnlyList<int>? seeds, IReadOnlyList<string>? availableDevices)
    {
        var (baseline, failures) = HyperparameterResolution.Resolve(preset, shared, availableDevices);
        if (baseline is null)
        {
            return (null, failures);
        }

        var seedList = seeds ?? [baseline.Seed];
        if (SeedFailures(seedList) is { Count: > 0 } seedFailures)
        {
            return (null, seedFailures);
        }

        var schema = JsonSerializer.SerializeToNode(baseline, HyperparameterJson.Options)!.AsObject();
        var axes = new List<(string Path, string[] Segments, JsonArray Values)>();
        var variants = new List<(string Name, JsonObject Overrides)>();
        long cells = 1;
        foreach (var (key, node) in grid ?? [])
        {
            var field = GridField(key);
            if (key == VariantAxis)
            {
                if (node is not JsonObject { Count: > 0 } named || named.Any(v => v.Value is not JsonObject))
                {
                    return Fail(field, "Expected an object of named overrides, e.g. { \"paper\": {}, \"no LRN\": { \"model\": { \"lrn\": { \"enabled\": false } } } }.");
                }

                foreach (var (name, overrides) in named)
                {
                    // A variant's name is a name like any other: it is stored, shown in the table and exported.
                    if (TextRules.LineFault(name) is { } fault)
                    {
                        return Fail(field, $"A variant name {char.ToLowerInvariant(fault[0])}{fault[1..]}");
                    }

                    try
                    {
                        HyperparameterJson.Merge(baseline, overrides!.AsObject());
                    }
                    catch (JsonException e)
                    {
                        return Fail($"{field}['{name}']{(e.Path ?? "").TrimStart('$')}", JsonErrors.Describe(e));
                    }

                    variants.Add((name, overrides.AsObject()));
                }

                cells *= variants.Count;
                if (cells * seedList.Count > MaxRuns)
                {
                    return Fail("grid", $"The grid and seeds make more than {MaxRuns} runs; split the study.");
                }

                continue;
            }

            if (node is not JsonArray { Count: > 0 } values)
            {
                return Fail(field, "Expected a non-empty array of values for this hyperparameter.");
            }

            if (JsonPaths.CanonicalSegments(schema, key) is not { } segments)
            {
                return Fail(field, "No hyperparameter has this path; grid keys are paths in the hyperparameter JSON, e.g. \"model.lrn.enabled\".");
            }

            string path = string.Join('.', segments);
            if (path == "seed")
            {
                return Fail(field, "Vary the seed with \"seeds\", not the grid: the table averages over seeds.");
            }

            if (axes.Find(a => JsonPaths.Overlaps(a.Path, path)) is { Path: { } other })
            {
                return Fail(field, $"Overlaps the grid key '{other}': one of them contains the other.");
            }

            axes.Add((path, segments, values));
            cells *= values.Count;
            if (cells * seedList.Count > MaxRuns)
            {
                return Fail("grid", $"The grid and seeds make more than {MaxRuns} runs; split the study.");
            }
        }

        // Each value on its own: the right JSON kind for its path, and not repeated once read ("tanh" is "Tanh").
        for (int a = 0; a < axes.Count; a++)
        {
            var (path, segments, values) = axes[a];
            var canonical = new JsonArray();
            for (int i = 0; i < values.Count; i++)
            {
                string field = $"{GridField(path)}[{i}]";
                if (values[i] is null)
                {
                    return Fail(field, "Must not be null.");
                }

                Hyperparameters merged;
                try
                {
                    merged = HyperparameterJson.Merge(baseline, JsonPaths.Override(segments, values[i]!));
                }
                catch (JsonException e)
                {
                    string inner = (e.Path ?? "").TrimStart('$');
                    string prefix = "." + path;
                    string suffix = inner.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? inner[prefix.Length..] : "";
                    return Fail(field + suffix, JsonErrors.Describe(e));
                }

                var value = segments.Aggregate<string, JsonNode?>(JsonSerializer.SerializeToNode(merged, HyperparameterJson.Options), (node, segment) => node![segment])!;
                if (canonical.Select((v, j) => (v, j)).FirstOrDefault(p => JsonNode.DeepEquals(p.v, value)) is { v: not null } repeated)
                {
                    return Fail(field, $"Repeats the value at [{repeated.j}].");
                }

                canonical.Add(value.DeepClone());
            }

            axes[a] = (path, segments, canonical);
        }

        // Every combination, validated whole: some rules relate two fields (model.inputSize <= data.imageSize). The variant
        // axis is outermost, and a path axis overrides what a variant sets.
        var runs = new List<StudyCellRun>();
        var indices = new int[axes.Count];
        for (int cell = 0; cell < cells; cell++)
        {
            int rest = cell;
            for (int a = axes.Count - 1; a >= 0; a--)
            {
                indices[a] = rest % axes[a].Values.Count;
                rest /= axes[a].Values.Count;
            }

            var values = new JsonObject();
            var overrides = new JsonObject();
            if (variants.Count > 0)
            {
                var (name, variantOverrides) = variants[rest];
                values[VariantAxis] = name;
                JsonPaths.MergeInto(overrides, variantOverrides);
            }

            for (int a = 0; a < axes.Count; a++)
            {
                var value = axes[a].Values[indices[a]]!;
                values[axes[a].Path] = value.DeepClone();
                JsonPaths.Set(overrides, axes[a].Segments, value);
            }

            var resolved = HyperparameterJson.Merge(baseline, overrides);
            if (HyperparameterResolution.Validate(resolved, availableDevices) is { Count: > 0 } cellFailures)
            {
                return (null, cellFailures.Select(f => CellFailure(f, axes.Select(x => x.Path).ToList(), indices, values)).ToList());
            }

            runs.AddRange(seedList.Select(seed => new StudyCellRun(cell, values, seed, resolved with { Seed = seed })));
        }

        var storedGrid = new JsonObject();
        if (variants.Count > 0)
        {
            storedGrid[VariantAxis] = new JsonObject(variants.Select(v => KeyValuePair.Create(v.Name, (JsonNode?)v.Overrides.DeepClone())));
        }

        foreach (var axis in axes)
        {
            storedGrid[axis.Path] = axis.Values.DeepClone();
        }

        var definition = new JsonObject
        {
            ["hyperparameters"] = shared?.DeepClone() ?? new JsonObject(),
            ["grid"] = storedGrid,
            ["seeds"] = new JsonArray(seedList.Select(s => (JsonNode?)s).ToArray()),
        };
        var paths = (variants.Count > 0 ? [VariantAxis] : new List<string>()).Concat(axes.Select(a => a.Path)).ToList();
        return (new StudyPlan(definition, paths, runs), []);
    }

    /// <summary>
    /// The one grid key that is not a hyperparameter path: named override sets, e.g. one per ablation of the paper, so a study
    /// can compare one-change-at-a-time variants against a shared baseline instead of a full cartesian product.
    /// </summary>
    public const string VariantAxis = "variant";

    /// <summary>The request field of a grid axis, by its path.</summary>
    public static string GridField(string path) => $"grid['{path}']";

    /// <summary>How a cell reads in messages and tables: "model.activation=Tanh, model.lrn.enabled=false".</summary>
    public static string Describe(JsonObject values) =>
        values.Count == 0 ? "(all runs)" : string.Join(", ", values.Select(v => $"{v.Key}={ValueText(v.Value)}"));

    /// <summary>How a claim names a cell: a one-axis cell by its value (a variant's name, "Tanh"), any other as <see cref="Describe"/>.</summary>
    public static string Label(JsonObject values) => values.Count == 1 ? ValueText(values.First().Value) : Describe(values);

    /// <summary>A grid value as a table cell shows it: strings without quotes, anything else as JSON.</summary>
    public static string ValueText(JsonNode? value) => value is JsonValue v && v.TryGetValue(out string? s) ? s : value?.ToJsonString() ?? "null";

    /// <summary>The count first, so that a list of any length is answered at once; then each seed, in one pass.</summary>
    private static List<ValidationFailure> SeedFailures(IReadOnlyList<int> seeds)
    {
        if (seeds.Count == 0)
        {
            return [new ValidationFailure("seeds", "At least one seed; leave seeds out to use the preset's.")];
        }

        if (seeds.Count > MaxRuns)
        {
            return [new ValidationFailure("seeds", $"At most {MaxRuns} runs per study.")];
        }

        var first = new Dictionary<int, int>(seeds.Count);
        for (int i = 0; i < seeds.Count; i++)
        {
            if (seeds[i] < 0)
            {
                return [new ValidationFailure($"seeds[{i}]", "A seed must be 0 or more.")];
            }

            if (!first.TryAdd(seeds[i], i))
            {
                return [new ValidationFailure($"seeds[{i}]", $"Repeats seeds[{first[seeds[i]]}]; each seed runs once per cell.")];
            }
        }

        return [];
    }

    /// <summary>A cell's failure on a grid axis names that axis's value; any other is the combination's.</summary>
    private static ValidationFailure CellFailure(ValidationFailure failure, List<string> paths, int[] indices, JsonObject values)
    {
        string path = failure.PropertyName.StartsWith(HyperparameterResolution.Field + ".", StringComparison.Ordinal)
            ? failure.PropertyName[(HyperparameterResolution.Field.Length + 1)..]
            : failure.PropertyName;
        int axis = paths.IndexOf(path);
        return axis >= 0
            ? new ValidationFailure($"{GridField(path)}[{indices[axis]}]", failure.ErrorMessage)
            : new ValidationFailure("grid", $"In the cell {Describe(values)}, {failure.PropertyName}: {failure.ErrorMessage}");
    }

    private static (StudyPlan?, IReadOnlyList<ValidationFailure>) Fail(string field, string message) => (null, [new ValidationFailure(field, message)]);
}
