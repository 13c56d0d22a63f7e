using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Retrieval;

namespace AlexNet.Experiments.Host.Tests.Generated;

/// <summary>
/// A job scheduler that holds every job and runs none: an accepted experiment, study or reproduction stays queued, so no training
/// runs during the test and nothing writes rows behind a request's back. Held jobs count as alive, so reconciliation leaves them.
/// </summary>
public sealed class HeldJobs : IJobScheduler, IFeatureExtractionScheduler
{
    private int count;

    public string Enqueue(RunStep step, JobPlacement placement) => Next();

    public string Enqueue(Guid runId, DatasetSplit split) => Next();

    public bool IsAlive(string jobId) => true;

    public void Abandon(string jobId)
    {
    }

    private string Next() => $"held-{Interlocked.Increment(ref count)}";
}
