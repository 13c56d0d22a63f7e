using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>The dataset a run reads, the versions preprocessed from it, and where they are stored.</summary>
public sealed class RunDatasets(IExperimentStore experiments, IDatasetStore datasets, IArtifactStore artifacts)
{
    public string StoreRoot => artifacts.DatasetStoreRoot;

    public async Task<Dataset> DatasetOfAsync(Run run, CancellationToken cancellationToken)
    {
        var experiment = await experiments.GetExperimentAsync(run.ExperimentId, cancellationToken) ?? throw new NotFoundException("Experiment", run.ExperimentId);
        return await datasets.GetDatasetAsync(experiment.DatasetId, cancellationToken) ?? throw new NotFoundException("Dataset", experiment.DatasetId);
    }

    /// <summary>The version a training or evaluating run reads.</summary>
    public async Task<DatasetVersion> VersionOfAsync(Run run, CancellationToken cancellationToken) =>
        await datasets.GetDatasetVersionAsync(run.DatasetVersionHash ?? "", cancellationToken)
        ?? throw new InvalidOperationException($"Run {run.Id} has no preprocessed dataset version.");

    public Task<DatasetVersion?> FindVersionAsync(string contentHash, CancellationToken cancellationToken) =>
        datasets.GetDatasetVersionAsync(contentHash, cancellationToken);

    /// <summary>Idempotent.</summary>
    public Task PublishAsync(DatasetVersion version, CancellationToken cancellationToken) => datasets.AddDatasetVersionAsync(version, cancellationToken);
}
