using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;

namespace AlexNet.Experiments.Application.Runs;

/// <summary>How a run's stored state maps to the step that should run next; the store, not the scheduler, is the source of truth.</summary>
public static class RunJobs
{
    /// <summary>
    /// The step that continues the run. A run waiting for its version's shards (see <see cref="ResumePreprocessingAsync"/>) still
    /// answers Preprocess here; the shard and merge steps are current for as long as it is preprocessing.
    /// </summary>
    public static RunStep? NextStep(Run run) => run.Status switch
    {
        RunStatus.Queued or RunStatus.Preprocessing => new RunStep(run.Id, RunStepKind.Preprocess),
        RunStatus.Training => new RunStep(run.Id, RunStepKind.TrainEpoch, run.EpochsCompleted + 1),
        RunStatus.Evaluating => new RunStep(run.Id, RunStepKind.Evaluate),
        _ => null,
    };

    /// <summary>A step whose work the run has already moved past is stale (e.g. a job fetched twice) and must do nothing.</summary>
    public static bool IsCurrent(Run run, RunStep step) => step.Kind is RunStepKind.PreprocessShard or RunStepKind.PreprocessMerge
        ? run.Status == RunStatus.Preprocessing
        : NextStep(run) == step;

    private static readonly JobPlacement Preprocessing = new(WorkQueues.Preprocess);

    /// <summary>
    /// The queue a step needs (training on a CUDA device goes to train-gpu) and its tier: a training step's tier grows with the
    /// run's remaining epochs (floor(log2(remaining)), at most <see cref="WorkQueues.LastTier"/>), so a worker takes the run closest
    /// to finishing first. Preprocessing and evaluation have their own queues, which a worker taking every queue takes before training.
    /// </summary>
    public static JobPlacement Placement(Run run, RunStep step)
    {
        if (step.Kind is RunStepKind.Preprocess or RunStepKind.PreprocessShard or RunStepKind.PreprocessMerge)
        {
            return Preprocessing;
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

    /// <summary>Queues a shard step for the run and records its job on the shard, where any waiting run's reconciliation finds it.</summary>
    public static async Task EnqueueShardAsync(IResultsStore store, IJobScheduler scheduler, Guid runId, string contentHash, int shard, CancellationToken cancellationToken)
    {
        var jobId = scheduler.Enqueue(new RunStep(runId, RunStepKind.PreprocessShard, Shard: shard), Preprocessing);
        await store.SetPreprocessJobAsync(contentHash, shard, jobId, cancellationToken);
    }

    /// <summary>Queues the merge step for the run, as its current job and as the version's merge job.</summary>
    public static async Task EnqueueMergeAsync(IResultsStore store, IJobScheduler scheduler, Guid runId, string contentHash, CancellationToken cancellationToken)
    {
        var jobId = scheduler.Enqueue(new RunStep(runId, RunStepKind.PreprocessMerge), Preprocessing);
        await store.SetRunJobAsync(runId, jobId, cancellationToken);
        await store.SetPreprocessJobAsync(contentHash, VersionPreprocessing.Merge, jobId, cancellationToken);
    }

    /// <summary>
    /// For a run waiting for its version's shards, whose own job is not alive: queues again each shard whose job is not alive,
    /// then the merge once every shard is done and no live job carries it, or (the version already published) the merge step
    /// that finishes this run. Returns how many jobs it queued.
    /// </summary>
    public static async Task<int> ResumePreprocessingAsync(
        IResultsStore store, IJobScheduler scheduler, Run run, VersionPreprocessing preprocessing, CancellationToken cancellationToken)
    {
        string hash = preprocessing.ContentHash;
        if (await store.GetDatasetVersionAsync(hash, cancellationToken) is not null)
        {
            await EnqueueAsync(store, scheduler, run, new RunStep(run.Id, RunStepKind.PreprocessMerge), cancellationToken);
            return 1;
        }

        if (preprocessing.MergeClaimed)
        {
            if (preprocessing.MergeJobId is { } mergeJob && scheduler.IsAlive(mergeJob))
            {
                return 0;
            }

            Abandon(scheduler, preprocessing.MergeJobId);
            await EnqueueMergeAsync(store, scheduler, run.Id, hash, cancellationToken);
            return 1;
        }

        int queued = 0;
        foreach (var shard in preprocessing.Shards.Where(s => !s.Done && (s.JobId is null || !scheduler.IsAlive(s.JobId))))
        {
            Abandon(scheduler, shard.JobId);
            await EnqueueShardAsync(store, scheduler, run.Id, hash, shard.Index, cancellationToken);
            queued++;
        }

        // Every shard done, but the job that finished last died before it claimed the merge.
        if (preprocessing.AllShardsDone && await store.TryClaimPreprocessMergeAsync(hash, cancellationToken))
        {
            await EnqueueMergeAsync(store, scheduler, run.Id, hash, cancellationToken);
            queued++;
        }

        return queued;
    }

    private static void Abandon(IJobScheduler scheduler, string? jobId)
    {
        if (jobId is not null)
        {
            scheduler.Abandon(jobId);
        }
    }
}
