using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Retrieval;
using Hangfire;
using Hangfire.Common;

namespace AlexNet.Experiments.Host.Jobs;

public sealed class HangfireFeatureExtractionScheduler(IBackgroundJobClient client) : IFeatureExtractionScheduler
{
    public string Enqueue(Guid runId, DatasetSplit split) =>
        HangfireQueues.Enqueue(client, Job.FromExpression<FeatureExtractionJob>(
            job => job.ExecuteAsync(runId, split, CancellationToken.None), HangfireQueues.Name(new JobPlacement(WorkQueues.Evaluate))));
}
