using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Studies;

/// <summary>A cell's training curve averaged over its seeds, as the paper's Figure 1 draws one per network.</summary>
public static class MeanCurve
{
    /// <summary>
    /// Mean training top-1 error at each number of images seen that every run has a point at (runs of one cell share the batch
    /// size and epoch length, so their points fall at the same counts); a run with no points at all is left out.
    /// </summary>
    public static IReadOnlyList<(double Images, double Top1Error)> Of(IEnumerable<IReadOnlyList<StepMetrics>> runs)
    {
        var curves = runs.Where(r => r.Count > 0).Select(r => r.GroupBy(p => p.ImagesSeen).ToDictionary(g => g.Key, g => g.Last().TrainTop1Error)).ToList();
        if (curves.Count == 0)
        {
            return [];
        }

        return curves[0].Keys.Where(images => curves.All(c => c.ContainsKey(images))).Order()
            .Select(images => ((double)images, curves.Average(c => c[images]))).ToList();
    }
}
