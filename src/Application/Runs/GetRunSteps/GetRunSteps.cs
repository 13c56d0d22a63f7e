using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using Mediator;

namespace AlexNet.Experiments.Application.Runs.GetRunSteps;

/// <summary>Null when the run does not exist; no points until its first was stored.</summary>
public sealed record GetRunStepsQuery(Guid RunId) : IQuery<RunSteps?>;

/// <summary>A run's step-level points by epoch and batch.</summary>
/// <param name="ImagesPerEpoch">
/// The training images of one epoch, so that images seen read as epochs (the last point of epoch e has seen e times as many);
/// null until the run's dataset version is known.
/// </param>
public sealed record RunSteps(int? ImagesPerEpoch, IReadOnlyList<StepMetrics> Points);

public sealed class GetRunStepsHandler(IRunStore runStore, IDatasetStore datasetStore, IRunMetricsStore metricsStore) : IQueryHandler<GetRunStepsQuery, RunSteps?>
{
    public async ValueTask<RunSteps?> Handle(GetRunStepsQuery query, CancellationToken cancellationToken)
    {
        if (await runStore.GetRunAsync(query.RunId, cancellationToken) is not { } run)
        {
            return null;
        }

        var version = run.DatasetVersionHash is { } hash ? await datasetStore.GetDatasetVersionAsync(hash, cancellationToken) : null;
        return new RunSteps(
            version is null ? null : run.Hyperparameters.Data.ImagesPerEpoch(version.TrainCount),
            await metricsStore.GetStepMetricsAsync(run.Id, cancellationToken));
    }
}
