using System.ComponentModel;
using AlexNet.Experiments.Application.Retrieval.RunFeatureExtraction;
using AlexNet.Experiments.Domain.Datasets;
using Mediator;

namespace AlexNet.Experiments.Host.Jobs;

/// <summary>The Hangfire entry point for extracting a split's fc7 features; a failure is reported on the features' status, not retried.</summary>
public sealed class FeatureExtractionJob(IMediator mediator)
{
    [DisplayName("Extract {1} features of run {0}")]
    public async Task ExecuteAsync(Guid runId, DatasetSplit split, CancellationToken cancellationToken) =>
        await mediator.Send(new RunFeatureExtractionCommand(runId, split), cancellationToken);
}
