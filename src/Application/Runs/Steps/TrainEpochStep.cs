using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>
/// Trains one epoch, or as much of it as <see cref="RunStepOptions.TrainingStepBudget"/> allows (the trainer saves the epoch's
/// state and the same step continues in a new job), then records its metrics and checkpoint and completes the epoch.
/// </summary>
public sealed class TrainEpochStep(
    ITrainer trainer, RunDatasets datasets, IRunMetricsStore metrics, RunCheckpoints checkpoints, StepProgress progress, RunStepOptions options) : IRunStepExecutor
{
    public RunStepKind Kind => RunStepKind.TrainEpoch;

    public async Task<RunStep?> ExecuteAsync(RunClaim claim, RunStep step, CancellationToken cancellationToken)
    {
        var run = claim.Run;
        int epoch = step.Epoch;
        var version = await datasets.VersionOfAsync(run, cancellationToken);
        var history = await metrics.GetEpochMetricsAsync(run.Id, cancellationToken);
        var learningRate = LearningRateSchedule.For(run.Hyperparameters, epoch, history);
        var outcome = await trainer.TrainEpochAsync(
            new TrainingRequest(run.Id, run.Hyperparameters, version, epoch, learningRate, checkpoints.DirectoryOf(run.Id))
            {
                Progress = progress.Training(run, epoch),
                TimeBudget = options.TrainingStepBudget,
            },
            cancellationToken);
        if (outcome is null)
        {
            // The epoch continues in a new job; claiming the run lets only one execution queue it.
            return await claim.TryAdvanceAsync((r, now) => r.Claim(now), cancellationToken) ? step : null;
        }

        await metrics.AddEpochMetricsAsync(outcome.Metrics, cancellationToken);
        await checkpoints.RecordAsync(run.Id, epoch, outcome.CheckpointPath, cancellationToken);
        await progress.KeepAsync(run.Id, finished: false, cancellationToken);
        return await claim.TryAdvanceAsync((r, now) => r.CompleteEpoch(epoch, now), cancellationToken) ? claim.Run.NextStep : null;
    }
}
