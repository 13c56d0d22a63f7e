using System.Globalization;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using static TorchSharp.torch.utils.tensorboard;

namespace AlexNet.Experiments.Infrastructure.Torch.Export;

/// <summary>
/// A run's step points as TensorBoard event files in <c>runs/&lt;id&gt;/tensorboard/</c>, written by TorchSharp's SummaryWriter, so
/// <c>tensorboard --logdir &lt;artifacts&gt;/runs</c> shows every run. Each point is three scalars (<see cref="LossTag"/>,
/// <see cref="Top1Tag"/>, <see cref="Top5Tag"/>) at step = images seen, with the point's wall seconds as wall time (<see cref="WallTime"/>).
/// Each export writes the points past those already written into a new file named for its last point's images seen. The file is
/// written in a folder of its own and moved into place whole: TensorBoard reads a file as it grows, never again once it is
/// replaced, so a file is never half-written or rewritten, and each point is in one file.
/// </summary>
public sealed class TensorBoardCurveExport(IArtifactStore artifacts) : IStepCurveExport
{
    public const string Folder = "tensorboard";
    public const string LossTag = "train/loss", Top1Tag = "train/top1_error", Top5Tag = "train/top5_error";

    private const string FilePrefix = "events.out.tfevents.", FileSuffix = ".alexnet";

    public Task ExportAsync(Guid runId, IReadOnlyList<StepMetrics> stored, CancellationToken cancellationToken)
    {
        string runDirectory = artifacts.GetRunDirectory(runId);
        var folder = Directory.CreateDirectory(Path.Combine(runDirectory, Folder)).FullName;
        long written = LastWritten(folder);
        var points = stored.Where(p => p.ImagesSeen > written).ToList();
        if (points.Count == 0)
        {
            return Task.CompletedTask;
        }

        var unfinished = Path.Combine(runDirectory, $".{Folder}-{Guid.NewGuid():N}");
        try
        {
            var writer = SummaryWriter(unfinished);
            foreach (var point in points)
            {
                // TensorBoard's steps are 64-bit, but SummaryWriter takes an int: 2^31 images is some 1,600 ImageNet epochs.
                int step = checked((int)point.ImagesSeen);
                long wallTime = WallTime(point);
                writer.add_scalar(LossTag, (float)point.TrainLoss, step, wallTime);
                writer.add_scalar(Top1Tag, (float)point.TrainTop1Error, step, wallTime);
                writer.add_scalar(Top5Tag, (float)point.TrainTop5Error, step, wallTime);
            }

            File.Move(Directory.EnumerateFiles(unfinished).Single(), Path.Combine(folder, FileName(points[^1].ImagesSeen)), overwrite: true);
        }
        finally
        {
            Directory.Delete(unfinished, recursive: true);
        }

        return Task.CompletedTask;
    }

    public IReadOnlyList<string> ListFiles(Guid runId)
    {
        var folder = Path.Combine(artifacts.GetRunDirectory(runId), Folder);
        return Directory.Exists(folder) ? [.. Directory.EnumerateFiles(folder, FilePrefix + "*" + FileSuffix).Order(StringComparer.Ordinal)] : [];
    }

    /// <summary>
    /// The point's wall seconds, whole, as SummaryWriter takes them: TensorBoard's relative time axis then reads as the run's training
    /// time (its wall-clock axis, which expects Unix seconds, starts in 1970).
    /// </summary>
    public static long WallTime(StepMetrics point) => (long)Math.Round(point.WallSeconds);

    /// <summary>Zero-padded, so TensorBoard, which reads a folder's files in name order, reads them in the order they were written.</summary>
    private static string FileName(long lastImagesSeen) => FormattableString.Invariant($"{FilePrefix}{lastImagesSeen:D15}{FileSuffix}");

    private static long LastWritten(string folder) =>
        Directory.EnumerateFiles(folder, FilePrefix + "*" + FileSuffix)
            .Select(path => Path.GetFileName(path)[FilePrefix.Length..^FileSuffix.Length])
            .Select(number => long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out long images) ? images : 0)
            .DefaultIfEmpty(0)
            .Max();
}
