using AlexNet.Experiments.Application.Common;
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

    /// <summary>
    /// The queue a step needs (training on a CUDA device goes to train-gpu) and its tier: a training step's tier grows with the
    /// run's remaining epochs (floor(log2(remaining)), at most <see cref="WorkQueues.LastTier"/>), so a worker takes the run closest
    /// to finishing first. Preprocessing and evaluation have their own queues, which a worker taking every queue takes before training.
    /// </summary>
    public static JobPlacement Placement(Run run, RunStep step)
    {
        if (step.Kind == RunStepKind.Preprocess)
        {
            return new JobPlacement(WorkQueues.Preprocess);
        }

        if (step.Kind == RunStepKind.Evaluate)
        {
            return new JobPlacement(WorkQueues.Evaluate);
        }

        var hyperparameters = HyperparameterJson.FromJson(run.HyperparametersJson);
        var queue = hyperparameters.Model.Devices.Any(d => d.StartsWith("cuda", StringComparison.OrdinalIgnoreCase)) ? WorkQueues.TrainGpu : WorkQueues.TrainCpu;
        return new JobPlacement(queue, Tier(hyperparameters.Epochs - step.Epoch + 1));
    }

    public static int Tier(int remainingEpochs) => Math.Min(WorkQueues.LastTier, remainingEpochs <= 1 ? 0 : System.Numerics.BitOperations.Log2((uint)remainingEpochs));

    public static async Task EnqueueAsync(IResultsStore store, IJobScheduler scheduler, Run run, RunStep step, CancellationToken cancellationToken)
    {
        var jobId = scheduler.Enqueue(step, Placement(run, step));
        await store.SetRunJobAsync(step.RunId, jobId, cancellationToken);
    }
}
