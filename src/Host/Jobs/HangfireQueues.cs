using AlexNet.Experiments.Domain.Jobs;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace AlexNet.Experiments.Host.Jobs;

/// <summary>
/// Hangfire queue names of the work queues. A training queue is one Hangfire queue per tier ("train-cpu-0" .. "train-cpu-9");
/// the others are one queue each. A server lists its queues in ordinal order, which is the priority on both job stores:
/// Hangfire.Storage.SQLite tries the queues in the order the server lists them, Hangfire.PostgreSql orders its fetch by queue
/// name. These names sort the same under byte-wise and linguistic collations (they differ at a letter or digit first).
/// </summary>
public static class HangfireQueues
{
    public static string Name(JobPlacement placement) =>
        IsTiered(placement.Queue) ? $"{placement.Queue}-{Math.Clamp(placement.Tier, 0, WorkQueues.LastTier)}" : placement.Queue;

    /// <summary>
    /// The Hangfire queues of the given work queues, highest priority first; an unknown name is a configuration error. A server
    /// taking every work queue also takes "default", where versions before the work queues put every job, so those still run.
    /// </summary>
    public static string[] ForServer(IReadOnlyList<string> queues)
    {
        if (queues.Count == 0 || queues.Any(q => !WorkQueues.All.Contains(q)))
        {
            throw new InvalidOperationException(
                $"AlexNet:Queues must name one or more of {string.Join(", ", WorkQueues.All)}; got '{string.Join(",", queues)}'.");
        }

        return queues.Distinct()
            .SelectMany(q => IsTiered(q) ? Enumerable.Range(0, WorkQueues.LastTier + 1).Select(t => Name(new JobPlacement(q, t))) : [q])
            .Concat(WorkQueues.All.All(queues.Contains) ? [EnqueuedState.DefaultQueue] : [])
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>The queue is kept with the job (so the dashboard's requeue keeps it) and in its enqueued state (so the dashboard shows it).</summary>
    public static string Enqueue(IBackgroundJobClient client, Job job) => client.Create(job, new EnqueuedState(job.Queue));

    private static bool IsTiered(string queue) => queue is WorkQueues.TrainCpu or WorkQueues.TrainGpu;
}
