using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Infrastructure.Torch.Training;

/// <summary>
/// The step-level points of one epoch (see <see cref="StepRecording"/>): after every n-th batch and after the last, the mean
/// training loss and errors over the batches since the previous point. A split epoch keeps its points and the totals at its
/// previous point in the partial checkpoint, so it takes the same points, to the bit, as an unbroken one.
/// </summary>
public sealed class StepCurve(TrainingRequest request)
{
    private readonly List<StepMetrics> points = [];
    private EpochTotals atPreviousPoint = new();

    public IReadOnlyList<StepMetrics> Points => points;

    /// <summary>Takes a point if one is due after <paramref name="batch"/>, and reports it.</summary>
    /// <param name="epochImages">The epoch's training images: the epoch ends when the totals reach them.</param>
    /// <param name="epochSeconds">Seconds spent training this epoch so far, over all its jobs.</param>
    public void AfterBatch(int batch, EpochTotals totals, int epochImages, double epochSeconds)
    {
        if (batch % request.Steps.Batches != 0 && totals.Images < epochImages)
        {
            return;
        }

        double images = totals.Images - atPreviousPoint.Images;
        var point = new StepMetrics(
            request.RunId,
            request.Epoch,
            batch,
            ((long)(request.Epoch - 1) * epochImages) + totals.Images,
            (totals.LossSum - atPreviousPoint.LossSum) / images,
            1 - ((totals.Top1Correct - atPreviousPoint.Top1Correct) / images),
            1 - ((totals.Top5Correct - atPreviousPoint.Top5Correct) / images),
            request.Steps.SecondsBefore + epochSeconds);
        points.Add(point);
        atPreviousPoint = totals.Copy();
        request.Steps.Points?.Report(point);
    }

    /// <summary>Reports the points earlier jobs of the epoch took, so that a store that missed some (a crash) has them all again.</summary>
    public void ReportEarlierPoints()
    {
        foreach (var point in points)
        {
            request.Steps.Points?.Report(point);
        }
    }

    public void Save(BinaryWriter writer)
    {
        writer.Write(atPreviousPoint.LossSum);
        writer.Write(atPreviousPoint.Top1Correct);
        writer.Write(atPreviousPoint.Top5Correct);
        writer.Write(atPreviousPoint.Images);
        writer.Write(points.Count);
        foreach (var point in points)
        {
            writer.Write(point.Batch);
            writer.Write(point.ImagesSeen);
            writer.Write(point.TrainLoss);
            writer.Write(point.TrainTop1Error);
            writer.Write(point.TrainTop5Error);
            writer.Write(point.WallSeconds);
        }
    }

    /// <summary>
    /// Restores what <see cref="Save"/> wrote. A partial checkpoint written before step points existed ends earlier: the epoch then
    /// has no earlier points, and its next point covers the batches since <paramref name="resumed"/>.
    /// </summary>
    public void Load(BinaryReader reader, EpochTotals resumed)
    {
        if (reader.BaseStream.Position == reader.BaseStream.Length)
        {
            atPreviousPoint = resumed.Copy();
            return;
        }

        atPreviousPoint = new EpochTotals(reader.ReadDouble(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64());
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            points.Add(new StepMetrics(
                request.RunId, request.Epoch, reader.ReadInt32(), reader.ReadInt64(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble()));
        }
    }
}
