namespace AlexNet.Experiments.Domain.Training;

/// <summary>Errors are fractions in [0, 1]. Validation figures use a single centre crop.</summary>
public sealed record EpochMetrics(
    Guid RunId,
    int Epoch,
    double TrainLoss,
    double TrainTop1Error,
    double TrainTop5Error,
    double ValidationLoss,
    double ValidationTop1Error,
    double ValidationTop5Error,
    double LearningRate,
    double ImagesPerSecond,
    DateTimeOffset RecordedAt)
{
    /// <summary>
    /// Seconds spent training this epoch, summed over the jobs it was split across; validation and checkpointing excluded.
    /// Null for epochs recorded before it was measured.
    /// </summary>
    public double? TrainSeconds { get; init; }
}

/// <summary>
/// One point of a run's step-level curves, taken every few training batches (a setting) and after each epoch's last batch: the
/// training loss and errors over the batches since the epoch's previous point. Keyed by (run, epoch, batch).
/// </summary>
/// <param name="Batch">The batch of the epoch (1-based) the point was taken after.</param>
/// <param name="ImagesSeen">Training images the run has seen up to this point, earlier epochs included.</param>
/// <param name="WallSeconds">
/// Seconds the run has spent training up to this point, on the clock of <see cref="EpochMetrics.TrainSeconds"/>: summed over its jobs,
/// validation and checkpointing excluded.
/// </param>
public sealed record StepMetrics(
    Guid RunId, int Epoch, int Batch, long ImagesSeen, double TrainLoss, double TrainTop1Error, double TrainTop5Error, double WallSeconds);

public enum EvaluationCrops { Centre, TenCrop }

public sealed record EvaluationResult(
    Guid RunId,
    EvaluationCrops Crops,
    int ImageCount,
    double Loss,
    double Top1Error,
    double Top5Error,
    IReadOnlyList<double> PerClassAccuracy,
    IReadOnlyList<IReadOnlyList<int>> ConfusionMatrix,
    DateTimeOffset RecordedAt);

public sealed record Artifact(Guid RunId, string Kind, string Path, string Sha256, long Bytes, DateTimeOffset CreatedAt)
{
    /// <summary>The kind of an epoch's checkpoint: weights and optimizer state, from which training resumes and evaluation reads.</summary>
    public const string CheckpointKind = "checkpoint";

    /// <summary>The epoch a checkpoint belongs to; evaluation picks the checkpoint by this number, never by file name.</summary>
    public int? Epoch { get; init; }

    /// <summary>The file name: what the API shows and downloads by, never the server path.</summary>
    public string Name => System.IO.Path.GetFileName(Path);
}

public sealed record LayerSummary(string Name, IReadOnlyList<long> OutputShape, long Parameters, string Device);

public sealed record ModelSummary(IReadOnlyList<LayerSummary> Layers, long TotalParameters);

/// <summary>
/// Where a run's current step stands, and the whole run: epoch and batch, running training loss, images/s and the time left
/// (null while there is nothing to estimate from). The store keeps the last figures, so they outlive the run.
/// </summary>
public sealed record RunProgressFigures(
    string Phase,
    int Epoch,
    int Epochs,
    int Batch,
    int Batches,
    int ImagesDone,
    int ImagesTotal,
    double? RunningLoss,
    double ImagesPerSecond,
    double? StepSecondsLeft,
    double? RunSecondsLeft,
    DateTimeOffset UpdatedAt);
