using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Studies;

/// <summary>A metric over a cell's finished seeds: how many had it, their mean, and the sample standard deviation (n - 1).</summary>
public sealed record MetricSpread(int N, double? Mean, double? Spread);

public static class StudyStatistics
{
    /// <summary>Mean needs one value, spread two; values that are missing or not finite (a diverged epoch) do not count.</summary>
    public static MetricSpread Summarise(IEnumerable<double?> values)
    {
        var finite = values.OfType<double>().Where(double.IsFinite).ToList();
        if (finite.Count == 0)
        {
            return new MetricSpread(0, null, null);
        }

        double mean = finite.Average();
        double? spread = finite.Count < 2 ? null : Math.Sqrt(finite.Sum(v => (v - mean) * (v - mean)) / (finite.Count - 1));
        return new MetricSpread(finite.Count, mean, spread);
    }

    /// <summary>
    /// The first epoch whose training top-1 error is at most <paramref name="target"/> (as in the paper's Figure 1: epochs to 25%
    /// training error), and the training seconds spent up to the end of it. Seconds are null when an epoch on the way has no
    /// measured time; both are null when the target was never reached.
    /// </summary>
    public static (int? Epoch, double? Seconds) FirstReaching(IReadOnlyList<EpochMetrics> epochs, double target)
    {
        double? seconds = 0;
        foreach (var epoch in epochs.OrderBy(e => e.Epoch))
        {
            seconds = seconds is { } s && epoch.TrainSeconds is { } t ? s + t : null;
            if (epoch.TrainTop1Error <= target)
            {
                return (epoch.Epoch, seconds);
            }
        }

        return (null, null);
    }

    /// <summary>Training seconds over every epoch, or null when an epoch has none measured.</summary>
    public static double? TrainingSeconds(IReadOnlyList<EpochMetrics> epochs) =>
        epochs.Count == 0 || epochs.Any(e => e.TrainSeconds is null) ? null : epochs.Sum(e => e.TrainSeconds!.Value);
}
