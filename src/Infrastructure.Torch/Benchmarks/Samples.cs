namespace AlexNet.Experiments.Infrastructure.Torch.Benchmarks;

internal static class Samples
{
    /// <summary>The middle value, or the mean of the two middle values of an even count.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        int middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
