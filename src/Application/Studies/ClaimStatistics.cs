using AlexNet.Experiments.Domain.Studies;

namespace AlexNet.Experiments.Application.Studies;

/// <summary>A claim's effect with its 95% interval and verdict, from each cell's values by seed.</summary>
public static class ClaimStatistics
{
    /// <param name="baseline">Seed → the baseline cell's value (only finished seeds with the metric).</param>
    /// <param name="variant">Seed → the variant cell's value.</param>
    public static ClaimResult Evaluate(StudyClaim claim, IReadOnlyDictionary<int, double> baseline, IReadOnlyDictionary<int, double> variant)
    {
        // A ratio is a difference of logs: its interval is computed there and exponentiated back.
        Func<double, double> scale = claim.IsRatio ? Math.Log : v => v;
        var b = baseline.Where(p => Usable(claim, p.Value)).ToDictionary(p => p.Key, p => scale(p.Value));
        var v = variant.Where(p => Usable(claim, p.Value)).ToDictionary(p => p.Key, p => scale(p.Value));
        var shared = b.Keys.Intersect(v.Keys).Order().ToList();

        (ClaimDesign Design, double Estimate, double Half)? interval =
            shared.Count >= 2 ? Paired(shared.Select(seed => v[seed] - b[seed]).ToList())
            : b.Count >= 2 && v.Count >= 2 ? Welch([.. b.Values], [.. v.Values])
            : null;
        if (interval is not { } i)
        {
            return new ClaimResult(claim, null, shared.Count, b.Count, v.Count, null, null, null, ClaimVerdict.TooFewSeeds, null);
        }

        double lower = i.Estimate - i.Half, upper = i.Estimate + i.Half;
        double paperSide = Math.Sign(scale(claim.PaperEffect));
        var verdict = paperSide * lower > 0 && paperSide * upper > 0 ? ClaimVerdict.Reproduced
            : paperSide * lower < 0 && paperSide * upper < 0 ? ClaimVerdict.Opposite
            : ClaimVerdict.NotDetectable;
        double? bound = verdict == ClaimVerdict.NotDetectable ? Unscale(claim, paperSide >= 0 ? upper : lower) : null;
        return new ClaimResult(
            claim, i.Design, i.Design == ClaimDesign.Paired ? shared.Count : 0, b.Count, v.Count,
            Unscale(claim, i.Estimate), Unscale(claim, lower), Unscale(claim, upper), verdict, bound);
    }

    /// <summary>The t interval of the mean of per-seed differences, with n - 1 degrees of freedom.</summary>
    public static (ClaimDesign, double Estimate, double Half) Paired(IReadOnlyList<double> differences)
    {
        double mean = differences.Average();
        double se = StudyStatistics.StandardDeviation([.. differences], mean) / Math.Sqrt(differences.Count);
        return (ClaimDesign.Paired, mean, StudyStatistics.TQuantile975(differences.Count - 1) * se);
    }

    /// <summary>Welch's interval of mean(variant) − mean(baseline), with the Welch–Satterthwaite degrees of freedom.</summary>
    public static (ClaimDesign, double Estimate, double Half) Welch(IReadOnlyList<double> baseline, IReadOnlyList<double> variant)
    {
        double mb = baseline.Average(), mv = variant.Average();
        double qb = Math.Pow(StudyStatistics.StandardDeviation([.. baseline], mb), 2) / baseline.Count;
        double qv = Math.Pow(StudyStatistics.StandardDeviation([.. variant], mv), 2) / variant.Count;
        double se = Math.Sqrt(qb + qv);
        double df = se == 0 ? baseline.Count + variant.Count - 2 : Math.Pow(qb + qv, 2) / ((qb * qb / (baseline.Count - 1)) + (qv * qv / (variant.Count - 1)));
        return (ClaimDesign.Welch, mv - mb, StudyStatistics.TQuantile975(df) * se);
    }

    private static bool Usable(StudyClaim claim, double value) => double.IsFinite(value) && (!claim.IsRatio || value > 0);

    private static double Unscale(StudyClaim claim, double value) => claim.IsRatio ? Math.Exp(value) : value;
}
