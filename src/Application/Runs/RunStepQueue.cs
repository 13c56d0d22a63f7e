using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;

namespace AlexNet.Experiments.Application.Runs;

/// <summary>
/// Queues a run's steps with the scheduler and records each job where reconciliation looks for it: the run's current job, or
/// the shard's or merge's job. The store, not the scheduler, is the source of truth for what should run next.
/// </summary>
public sealed class RunStepQueue(IRunStore runs, IPreprocessingCoordination preprocessing, IDatasetStore datasets, IJobScheduler scheduler)
{
    private static readonly JobPlacement Preprocessing = new(WorkQueues.Preprocess);

    /// <summary>
    /// The queue a step needs (training on a CUDA device goes to train-gpu) and its tier: a training step's tier grows with the
    /// run's remaining epochs (floor(log2(remaining)), at most <see cref="WorkQueues.LastTier"/>), so a worker takes the run closest
    /// to finishing first. Preprocessing and evaluation have their own queues, which a worker taking every queue takes before training.
    /// </summary>
    public static JobPlacement Placement(Run run, RunStep step)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(step);
        if (step.Kind is RunStepKind.Preprocess or RunStepKind.PreprocessShard or RunStepKind.PreprocessMerge)
        {
            return Preprocessing;
        }

        if (step.Kind == RunStepKind.Evaluate)
        {
            return new JobPlacement(WorkQueues.Evaluate);
        }

        var queue = ComputeDevice.AnyGpu(run.Hyperparameters.Model.Devices) ? WorkQueues.TrainGpu : WorkQueues.TrainCpu;
        return new JobPlacement(queue, Tier(run.Hyperparameters.Epochs - step.Epoch + 1));
    }

    public static int Tier(int remainingEpochs) => Math.Min(WorkQueues.LastTier, remainingEpochs <= 1 ? 0 : System.Numerics.BitOperations.Log2((uint)remainingEpochs));

    public async Task EnqueueAsync(Run run, RunStep step, CancellationToken cancellationToken)
    {
        var jobId = scheduler.Enqueue(step, Placement(run, step));
        await runs.SetRunJobAsync(step.RunId, jobId, cancellationToken);
    }

    /// <summary>Queues the run's next step (a new run's Preprocess).</summary>
    public Task EnqueueNextAsync(Run run, CancellationToken cancellationToken) =>
        EnqueueAsync(run, run.NextStep ?? throw new InvalidOperationException($"Run {run.Id} is {run.Status}: it has no next step."), cancellationToken);

    /// <summary>Queues a shard step for the run and records its job on the shard, where any waiting run's reconciliation finds it.</summary>
    public async Task EnqueueShardAsync(Guid runId, string contentHash, int shard, CancellationToken cancellationToken)
    {
        var jobId = scheduler.Enqueue(new RunStep(runId, RunStepKind.PreprocessShard, Shard: shard), Preprocessing);
        await preprocessing.SetPreprocessJobAsync(contentHash, shard, jobId, cancellationToken);
    }

    /// <summary>Queues the merge step for the run, as its current job and as the version's merge job.</summary>
    public async Task EnqueueMergeAsync(Guid runId, string contentHash, CancellationToken cancellationToken)
    {
        var jobId = scheduler.Enqueue(new RunStep(runId, RunStepKind.PreprocessMerge), Preprocessing);
        await runs.SetRunJobAsync(runId, jobId, cancellationToken);
        await preprocessing.SetPreprocessJobAsync(contentHash, VersionPreprocessing.Merge, jobId, cancellationToken);
    }

    /// <summary>
    /// For a run waiting for its version's shards, whose own job is not alive: queues again each shard whose job is not alive,
    /// then the merge once every shard is done and no live job carries it, or (the version already published) the merge step
    /// that finishes this run. Returns how many jobs it queued.
    /// </summary>
    public async Task<int> ResumePreprocessingAsync(Run run, VersionPreprocessing version, CancellationToken cancellationToken)
    {
        string hash = version.ContentHash;
        if (await datasets.GetDatasetVersionAsync(hash, cancellationToken) is not null)
        {
            await EnqueueAsync(run, new RunStep(run.Id, RunStepKind.PreprocessMerge), cancellationToken);
            return 1;
        }

        if (version.MergeClaimed)
        {
            if (version.MergeJobId is { } mergeJob && scheduler.IsAlive(mergeJob))
            {
                return 0;
            }

            Abandon(version.MergeJobId);
            await EnqueueMergeAsync(run.Id, hash, cancellationToken);
            return 1;
        }

        int queued = 0;
        foreach (var shard in version.Shards.Where(s => !s.Done && (s.JobId is null || !scheduler.IsAlive(s.JobId))))
        {
            Abandon(shard.JobId);
            await EnqueueShardAsync(run.Id, hash, shard.Index, cancellationToken);
            queued++;
        }

        // Every shard done, but the job that finished last died before it claimed the merge.
        if (version.AllShardsDone && await preprocessing.TryClaimPreprocessMergeAsync(hash, cancellationToken))
        {
            await EnqueueMergeAsync(run.Id, hash, cancellationToken);
            queued++;
        }

        return queued;
    }

    /// <summary>True while the job is queued, scheduled, or running on a live server.</summary>
    public bool IsAlive(string? jobId) => jobId is not null && scheduler.IsAlive(jobId);

    /// <summary>Makes sure a job that is not alive never runs later.</summary>
    public void Abandon(string? jobId)
    {
        if (jobId is not null)
        {
            scheduler.Abandon(jobId);
        }
    }
}
