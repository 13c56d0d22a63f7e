using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Runs;

/// <summary>Which epoch checkpoints a run keeps (about 0.5 GB each at the paper's size).</summary>
public enum CheckpointRetention
{
    /// <summary>The last (training resumes and evaluation reads it) and the best by validation top-1 error.</summary>
    LastAndBest,
    All,
}

/// <summary>
/// How long one training job may run before it saves the epoch's state and hands the rest to a new job. Below the
/// embedded job store's fixed 30-minute invisibility timeout, after which a still-running job would be handed out again.
/// </summary>
public sealed record RunStepOptions(TimeSpan TrainingStepBudget)
{
    public CheckpointRetention CheckpointRetention { get; init; } = CheckpointRetention.LastAndBest;

    /// <summary>
    /// How often an executing step writes its progress to the store and reads there whether its run was cancelled, so any
    /// process sees the progress and can stop the step.
    /// </summary>
    public TimeSpan ControlInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A training step takes a step-level point every this many batches (and after each epoch's last). What is recorded, not how
    /// the run trains, so it is no hyperparameter: a run reproduced under another setting trains to the same bits.
    /// </summary>
    public int StepMetricsBatches { get; init; } = StepRecording.DefaultBatches;

    public static RunStepOptions Default { get; } = new(TimeSpan.FromMinutes(20));
}
