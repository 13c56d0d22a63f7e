using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;

namespace AlexNet.Experiments.Application.Runs;

/// <summary>How a run's stored state maps to the step that should run next; the store, not the scheduler, is the source of truth.</summary>
public static class RunJobs
{
    public static RunStep? NextStep(Run run) => run.Status switch
    {
        RunStatus.Queued or RunStatus.Preprocessing => new RunStep(run.Id, RunStepKind.Preprocess),
        RunStatus.Training => new RunStep(run.Id, RunStepKind.TrainEpoch, run.EpochsCompleted + 1),
        RunStatus.Evaluating => new RunStep(run.Id, RunStepKind.Evaluate),
        _ => null,
    };

    /// <summary>A step whose work the run has already moved past is stale (e.g. a job fetched twice) and must do nothing.</summary>
    public static bool IsCurrent(Run run, RunStep step) => NextStep(run) == step;

    public static async Task EnqueueAsync(IResultsStore store, IJobScheduler scheduler, RunStep step, CancellationToken cancellationToken)
    {
        var jobId = scheduler.Enqueue(step);
        await store.SetRunJobAsync(step.RunId, jobId, cancellationToken);
    }
}
