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
