using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Studies;

/// <summary>Where a run's step-level training curve first reached a training top-1 error: images seen and training seconds.</summary>
public sealed record TargetCrossing(double Images, double Seconds)
{
    /// <summary>
    /// The first crossing, linearly interpolated between the two step points that straddle it; null when the curve never gets to
    /// <paramref name="target"/>. The first, because that is what the paper's Figure 1 reads ("epochs to reach 25% training
    /// error") and what someone watching the run would see: the noisy windowed error may rise above the target again later, and a
    /// last crossing would depend on how long the run went on. A curve already at the target at its first point crossed it some
    /// time before; with nothing earlier to interpolate from, that point is the answer (an upper bound).
    /// </summary>
    public static TargetCrossing? First(IReadOnlyList<StepMetrics> points, double target)
    {
        StepMetrics? previous = null;
        foreach (var point in points.OrderBy(p => p.ImagesSeen))
        {
            if (double.IsFinite(point.TrainTop1Error) && point.TrainTop1Error <= target)
            {
                if (previous is null)
                {
                    return new TargetCrossing(point.ImagesSeen, point.WallSeconds);
                }

                double along = (previous.TrainTop1Error - target) / (previous.TrainTop1Error - point.TrainTop1Error);
                return new TargetCrossing(
                    previous.ImagesSeen + (along * (point.ImagesSeen - previous.ImagesSeen)),
                    previous.WallSeconds + (along * (point.WallSeconds - previous.WallSeconds)));
            }

            previous = double.IsFinite(point.TrainTop1Error) ? point : previous;
        }

        return null;
    }
}
