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

/// <summary>Per-image augmentation for training: reads a stored HWC byte image, writes a normalised CHW float crop.</summary>
public interface IAugmentation
{
    void Apply(ReadOnlySpan<byte> storedImage, Span<float> crop, Random random);
}

public interface IAugmentationFactory
{
    IAugmentation CreateTraining(Hyperparameters hyperparameters, DatasetVersion dataset);
}

/// <summary>The machine a run executes on: devices it can use and the software versions to record.</summary>
public interface IRuntimeEnvironment
{
    IReadOnlyList<string> AvailableDevices { get; }
    RuntimeFacts Describe(ModelHyperparameters model);
}
