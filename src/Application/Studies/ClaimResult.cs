using System.Globalization;
using AlexNet.Experiments.Domain.Studies;

namespace AlexNet.Experiments.Application.Studies;

/// <summary>
/// A claim measured by a study. <see cref="Estimate"/> and its 95% interval are a difference of means (variant − baseline) for an
/// error, and a ratio (variant / baseline, the geometric mean of the per-seed ratios when paired) for a time.
/// <see cref="Bound"/>, for <see cref="ClaimVerdict.NotDetectable"/>, is the largest effect on the paper's side the interval
/// still holds: effects larger than it are excluded.
/// </summary>
/// <param name="Pairs">Seeds both cells finished (with the metric), when <see cref="Design"/> is paired.</param>
/// <param name="BaselineN">The baseline cell's finished seeds with the metric (a time counts only if the target was reached).</param>
public sealed record ClaimResult(
    StudyClaim Claim, ClaimDesign? Design, int Pairs, int BaselineN, int VariantN, double? Estimate, double? Lower95, double? Upper95,
    ClaimVerdict Verdict, double? Bound)
{
    /// <summary>The verdict as the report words it.</summary>
    public string VerdictText => Verdict switch
    {
        ClaimVerdict.Reproduced => "reproduced",
        ClaimVerdict.Opposite => "opposite",
        ClaimVerdict.NotDetectable =>
            $"no effect detectable at this scale; the interval excludes effects larger than {Size(Claim, Bound!.Value)}",
        _ => "too few finished seeds for an interval",
    };

    /// <summary>An effect's size whichever its side: points for a difference, a factor (at least 1) for a ratio.</summary>
    private static string Size(StudyClaim claim, double effect) =>
        claim.IsRatio
            ? "a factor of " + Math.Max(effect, 1 / effect).ToString("0.00", CultureInfo.InvariantCulture)
            : Math.Abs(effect * 100).ToString("0.00", CultureInfo.InvariantCulture) + " points";

    /// <summary>An effect as the report writes it: a difference of errors in percentage points, a ratio as a factor.</summary>
    public static string FormatEffect(StudyClaim claim, double effect) =>
        claim.IsRatio
            ? effect.ToString("0.00", CultureInfo.InvariantCulture) + "×"
            : (effect * 100).ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture) + " points";
}
