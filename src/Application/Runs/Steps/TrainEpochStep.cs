using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>
/// Trains one epoch, or as much of it as <see cref="RunStepOptions.TrainingStepBudget"/> allows (the trainer saves the epoch's
/// state and the same step continues in a new job), then records its metrics and checkpoint and completes the epoch. However the
/// trainer's call ends, the step points it reported are stored and exported first, so an epoch recorded has all its points.
/// </summary>
public sealed class TrainEpochStep(
    ITrainer trainer, RunDatasets datasets, IRunMetricsStore metrics, RunCheckpoints checkpoints, StepProgress progress, StepCurves curves,
    RunStepOptions options) : IRunStepExecutor
{
    public RunStepKind Kind => RunStepKind.TrainEpoch;

    public async Task<RunStep?> ExecuteAsync(RunClaim claim, RunStep step, CancellationToken cancellationToken)
    {
        var run = claim.Run;
        int epoch = step.Epoch;
        var version = await datasets.VersionOfAsync(run, cancellationToken);
        var history = await metrics.GetEpochMetricsAsync(run.Id, cancellationToken);
        var learningRate = LearningRateSchedule.For(run.Hyperparameters, epoch, history);
        var request = new TrainingRequest(run.Id, run.Hyperparameters, version, epoch, learningRate, checkpoints.DirectoryOf(run.Id))
        {
            Progress = progress.Training(run, epoch),
            TimeBudget = options.TrainingStepBudget,
            Steps = new StepRecording(options.StepMetricsBatches, history.Sum(m => m.TrainSeconds ?? 0)) { Points = curves.Waiting },
        };
        EpochOutcome? outcome;
        try
        {
            outcome = await trainer.TrainEpochAsync(request, cancellationToken);
        }
        catch
        {
            await curves.TryKeepAsync(run.Id);
            throw;
        }

        // The points are taken: a stop requested now must not keep them from the store.
        await curves.KeepAsync(run.Id, CancellationToken.None);
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
