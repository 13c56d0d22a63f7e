using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Domain.Training;

/// <summary>What one bounded training step needs: one epoch, resumed from the previous epoch's checkpoint if there is one.</summary>
public sealed record TrainingRequest(
    Guid RunId,
    Hyperparameters Hyperparameters,
    DatasetVersion Dataset,
    int Epoch,
    double LearningRate,
    string CheckpointDirectory)
{
    /// <summary>Receives the training images done so far in this epoch; an epoch on ImageNet takes hours.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>
    /// Stop at the first batch boundary after this much training and save the epoch's state, so no job outlives the job
    /// store's timeout; null trains the whole epoch. Where an epoch is split does not change its result.
    /// </summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>How often the trainer takes a step-level point, and where it reports them.</summary>
    public StepRecording Steps { get; init; } = new(StepRecording.DefaultBatches);
}

/// <summary>
/// The step-level curves: a <see cref="StepMetrics"/> point every <paramref name="Batches"/> training batches and after the epoch's
/// last. Each call of the trainer reports to <see cref="Points"/> every point of the epoch up to where it stops, those an earlier
/// call took first, so points a crash kept from the store reach it again. Where the points are taken changes nothing in training.
/// </summary>
/// <param name="SecondsBefore">The run's training seconds before this epoch, where the epoch's wall seconds start.</param>
public sealed record StepRecording(int Batches, double SecondsBefore = 0)
{
    public const int DefaultBatches = 20;

    public IProgress<StepMetrics>? Points { get; init; }
}

/// <summary><paramref name="RunningLoss"/> is the mean training loss over the epoch's images so far.</summary>
public sealed record TrainingProgress(int ImagesDone, int ImagesTotal, double RunningLoss = double.NaN);

public sealed record EpochOutcome(EpochMetrics Metrics, string CheckpointPath);

/// <summary>
/// The training loss became NaN or infinite: the run cannot continue, and that is a result of its hyperparameters, not a fault.
/// Deterministic, so a repeated execution of the step throws it at the same batch.
/// </summary>
public sealed class TrainingDivergedException(int epoch, int batch, double loss)
    : Exception(FormattableString.Invariant($"The training loss became {loss} at epoch {epoch}, batch {batch}."))
{
    public int Epoch { get; } = epoch;
    public int Batch { get; } = batch;
}

/// <summary>A finished epoch's checkpoint is named for its epoch, so the application can tell which one to keep.</summary>
public static class CheckpointNames
{
    public static string ForEpoch(int epoch) => $"epoch-{epoch:D3}.ckpt";
}

public interface ITrainer
{
    /// <summary>
    /// Trains epoch <see cref="TrainingRequest.Epoch"/> (1-based), validates, and writes its checkpoint. Deterministic given the
    /// seed and epoch. Null when the time budget ran out first: the epoch's state is saved, and the next call continues it.
    /// A cancelled token is honoured at the next batch boundary the same way: the epoch's state is saved, then
    /// <see cref="OperationCanceledException"/> is thrown, and the next call continues where it stopped.
    /// Throws <see cref="TrainingDivergedException"/> at the first batch whose loss is not finite; nothing is saved for that epoch.
    /// </summary>
    Task<EpochOutcome?> TrainEpochAsync(TrainingRequest request, CancellationToken cancellationToken);
}

/// <summary>A run's step-level curves in a format other tools read (TensorBoard event files in the run's folder).</summary>
public interface IStepCurveExport
{
    /// <summary>
    /// Writes those of the run's stored points (<paramref name="stored"/>, as the store holds them, in order) past the last one it
    /// wrote before: each point once, however often it is called.
    /// </summary>
    Task ExportAsync(Guid runId, IReadOnlyList<StepMetrics> stored, CancellationToken cancellationToken);

    /// <summary>The files written for the run so far, in the order they were written; none for a run with no exported points.</summary>
    IReadOnlyList<string> ListFiles(Guid runId);
}

public sealed record EvaluationRequest(Guid RunId, Hyperparameters Hyperparameters, DatasetVersion Dataset, string CheckpointPath);

public interface IEvaluator
{
    Task<EvaluationResult> EvaluateAsync(EvaluationRequest request, CancellationToken cancellationToken);
}

/// <summary>Builds the model for given hyperparameters without training it, to report its layers and size.</summary>
public interface IModelInspector
{
    ModelSummary Describe(ModelHyperparameters model, int classCount);
}

/// <summary>The machine a run executes on: devices it can use and the software versions to record.</summary>
public interface IRuntimeEnvironment
{
    IReadOnlyList<string> AvailableDevices { get; }
    RuntimeFacts Describe(ModelHyperparameters model);
}
