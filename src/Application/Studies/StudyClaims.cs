using System.Text.Json;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Studies.GetStudy;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Studies;
using FluentValidation.Results;

namespace AlexNet.Experiments.Application.Studies;

/// <summary>A claim as submitted: every field is required (null is refused by the validator, not defaulted).</summary>
/// <param name="Baseline">The label of a cell of the study: a variant's name, or for a one-axis grid its value ("ReLU").</param>
/// <param name="PaperEffect">The effect the paper reports: variant − baseline for an error (0.014), variant / baseline for a time (6).</param>
public sealed record StudyClaimRequest(string? Name, string? Baseline, string? Variant, ClaimMetric? Metric, double? PaperEffect)
{
    public StudyClaim ToClaim() => new(Name!.Trim(), Baseline!, Variant!, Metric!.Value, PaperEffect!.Value);
}

/// <summary>A study's claims: checked against its plan at submission, kept in its stored definition, measured from its rows.</summary>
public static class StudyClaims
{
    public const int MaxClaims = 32;

    public static IReadOnlyList<ValidationFailure> Check(IReadOnlyList<StudyClaimRequest>? claims, double? target, StudyPlan plan)
    {
        var failures = new List<ValidationFailure>();
        if (target is { } t && !(t is > 0 and <= 1))
        {
            failures.Add(new("trainErrorTarget", "Must be a training top-1 error above 0 and at most 1, e.g. 0.25."));
        }

        if (claims is null)
        {
            return failures;
        }

        if (claims.Count > MaxClaims)
        {
            return [.. failures, new("claims", $"At most {MaxClaims} claims.")];
        }

        var labels = plan.Runs.Select(r => StudyPlan.Label(r.Values)).ToHashSet();
        for (int i = 0; i < claims.Count; i++)
        {
            if (claims[i] is not { } claim)
            {
                failures.Add(new($"claims[{i}]", "Must be a claim, not null."));
                continue;
            }

            void Fail(string field, string message) => failures.Add(new($"claims[{i}].{field}", message));
            if (string.IsNullOrWhiteSpace(claim.Name) || TextRules.LineFault(claim.Name) is not null || claim.Name.Length > 200)
            {
                Fail("name", "Required: one line of visible text, at most 200 characters.");
            }

            foreach (var (field, label) in new[] { ("baseline", claim.Baseline), ("variant", claim.Variant) })
            {
                if (label is null || !labels.Contains(label))
                {
                    Fail(field, $"Must name a cell of the study: {string.Join(", ", labels.Select(l => $"'{l}'"))}.");
                }
            }

            if (claim.Baseline is not null && claim.Baseline == claim.Variant)
            {
                Fail("variant", "Must differ from the baseline.");
            }

            if (claim.Metric is not { } metric || !Enum.IsDefined(metric))
            {
                Fail("metric", $"Required: one of {string.Join(", ", Enum.GetNames<ClaimMetric>())}.");
            }
            else if (metric is ClaimMetric.SecondsToTarget or ClaimMetric.ImagesToTarget && target is null)
            {
                Fail("metric", "A time to a training-error target needs the study's trainErrorTarget.");
            }

            bool ratio = claim.Metric is ClaimMetric.SecondsToTarget or ClaimMetric.ImagesToTarget;
            if (claim.PaperEffect is not { } effect || !double.IsFinite(effect) || (ratio ? effect <= 0 || effect == 1 : effect == 0 || Math.Abs(effect) > 1))
            {
                Fail("paperEffect", ratio
                    ? "Required: the ratio variant / baseline the paper reports, above 0 and not 1 (e.g. 6)."
                    : "Required: the difference variant − baseline the paper reports, an error fraction, not 0 (e.g. 0.014).");
            }
        }

        return failures;
    }

    /// <summary>Adds the claims and the target to a study's stored definition.</summary>
    public static void Store(JsonObject definition, IReadOnlyList<StudyClaimRequest>? claims, double? target)
    {
        if (target is { } t)
        {
            definition["trainErrorTarget"] = t;
        }

        if (claims is { Count: > 0 })
        {
            definition["claims"] = JsonSerializer.SerializeToNode(claims.Select(c => c with { Name = c.Name!.Trim() }).ToList(), HyperparameterJson.Options);
        }
    }

    /// <summary>The claims and the target a stored definition holds (none for a study stored before claims existed).</summary>
    public static (IReadOnlyList<StudyClaim> Claims, double? Target) Read(JsonObject definition) =>
        (
            definition["claims"]?.Deserialize<List<StudyClaimRequest>>(HyperparameterJson.Options)?.Select(c => c.ToClaim()).ToList() ?? [],
            definition["trainErrorTarget"]?.GetValue<double>());

    /// <summary>Each claim over the Succeeded runs of its two cells, seed by seed.</summary>
    public static IReadOnlyList<ClaimResult> Measure(IReadOnlyList<StudyClaim> claims, IReadOnlyList<StudyRow> rows) =>
        claims.Select(claim => ClaimStatistics.Evaluate(claim, BySeed(rows, claim.Baseline, claim.Metric), BySeed(rows, claim.Variant, claim.Metric))).ToList();

    private static Dictionary<int, double> BySeed(IReadOnlyList<StudyRow> rows, string label, ClaimMetric metric) =>
        rows.Where(r => r.Status == RunStatus.Succeeded && StudyPlan.Label(r.Values) == label)
            .Select(r => (r.Seed, Value: Value(r, metric)))
            .Where(p => p.Value is not null)
            .ToDictionary(p => p.Seed, p => p.Value!.Value);

    private static double? Value(StudyRow row, ClaimMetric metric) => metric switch
    {
        ClaimMetric.TestTop1Error => row.EvaluationTop1Error,
        ClaimMetric.TestTop5Error => row.EvaluationTop5Error,
        ClaimMetric.SecondsToTarget => row.SecondsToTarget,
        _ => row.ImagesToTarget,
    };
}
