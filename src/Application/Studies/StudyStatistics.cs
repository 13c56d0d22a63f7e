using AlexNet.Experiments.Domain.Training;
using MathNet.Numerics.Distributions;

namespace AlexNet.Experiments.Application.Studies;

/// <summary>
/// A metric over a cell's finished seeds: how many had it, their mean, the sample standard deviation (n - 1), and the 95%
/// confidence interval of the mean (Student t with n - 1 degrees of freedom; null below two values).
/// </summary>
public sealed record MetricSpread(int N, double? Mean, double? Spread, double? Lower95 = null, double? Upper95 = null);

public static class StudyStatistics
{
    /// <summary>Mean needs one value, spread and interval two; values that are missing or not finite (a diverged epoch) do not count.</summary>
    public static MetricSpread Summarise(IEnumerable<double?> values)
    {
        var finite = values.OfType<double>().Where(double.IsFinite).ToList();
        if (finite.Count == 0)
        {
            return new MetricSpread(0, null, null);
        }

        double mean = finite.Average();
        if (finite.Count < 2)
        {
            return new MetricSpread(1, mean, null);
        }

        double spread = StandardDeviation(finite, mean);
        double half = TQuantile975(finite.Count - 1) * spread / Math.Sqrt(finite.Count);
        return new MetricSpread(finite.Count, mean, spread, mean - half, mean + half);
    }

    /// <summary>The 97.5% quantile of Student's t: a two-sided 95% interval is the estimate ± it times the standard error.</summary>
    public static double TQuantile975(double degreesOfFreedom) => StudentT.InvCDF(0, 1, degreesOfFreedom, 0.975);

    /// <summary>Sample standard deviation (n - 1).</summary>
    public static double StandardDeviation(IReadOnlyCollection<double> values, double mean) =>
        Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));

    /// <summary>Training seconds over every epoch, or null when an epoch has none measured.</summary>
    public static double? TrainingSeconds(IReadOnlyList<EpochMetrics> epochs) =>
        epochs.Count == 0 || epochs.Any(e => e.TrainSeconds is null) ? null : epochs.Sum(e => e.TrainSeconds!.Value);
}
