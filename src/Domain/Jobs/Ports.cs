namespace AlexNet.Experiments.Domain.Jobs;

/// <summary>
/// Preprocess lists and hashes the dataset and plans its shards; PreprocessShard decodes one shard (several run in parallel);
/// PreprocessMerge merges them and publishes the version. New kinds go last: queued jobs store the number.
/// </summary>
public enum RunStepKind { Preprocess, TrainEpoch, Evaluate, PreprocessShard, PreprocessMerge }

/// <summary>
/// One bounded unit of a run's work. Training is one step per epoch (continued in further jobs when long) and preprocessing is
/// split into shards, so no job outlives the job store's timeouts. <see cref="Shard"/> is set for <see cref="RunStepKind.PreprocessShard"/>.
/// </summary>
public sealed record RunStep(Guid RunId, RunStepKind Kind, int Epoch = 0, int Shard = 0)
{
    public override string ToString() => Kind switch
    {
        RunStepKind.TrainEpoch => $"{Kind} {Epoch} of run {RunId}",
        RunStepKind.PreprocessShard => $"{Kind} {Shard} of run {RunId}",
        _ => $"{Kind} of run {RunId}",
    };
}

/// <summary>The work queues a worker can be configured to take; a run's steps go to the one its device plan needs.</summary>
public static class WorkQueues
{
    public const string Preprocess = "preprocess", TrainCpu = "train-cpu", TrainGpu = "train-gpu", Evaluate = "evaluate";

    public static IReadOnlyList<string> All { get; } = [Preprocess, TrainCpu, TrainGpu, Evaluate];

    /// <summary>Tiers 0 (taken first) to <see cref="LastTier"/> order the steps within a queue.</summary>
    public const int LastTier = 9;
}

/// <summary>Where a step waits: one of <see cref="WorkQueues"/>, and its priority tier there (0 is taken first).</summary>
public sealed record JobPlacement(string Queue, int Tier = 0);

public interface IJobScheduler
{
    /// <summary>Queues the step where <paramref name="placement"/> says and returns the scheduler's job id.</summary>
    string Enqueue(RunStep step, JobPlacement placement);

    /// <summary>
    /// True while the job is queued, scheduled, or running on a server that is still alive. A job left "processing" by a process
    /// that died is not alive, whatever its recorded state says.
    /// </summary>
    bool IsAlive(string jobId);

    /// <summary>Makes sure a job that is not alive never runs later (e.g. re-fetched after a job-store timeout); it is replaced.</summary>
    void Abandon(string jobId);
}
