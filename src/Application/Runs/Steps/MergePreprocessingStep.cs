using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>Publishes the version from its shards (or finds it published), wakes every other run waiting for it, and finishes this run's preprocessing.</summary>
public sealed class MergePreprocessingStep(
    IDatasetPreprocessor preprocessor, RunDatasets datasets, IPreprocessingCoordination coordination, VersionWaiters waiters, PreprocessingCompletion completion) : IRunStepExecutor
{
    public RunStepKind Kind => RunStepKind.PreprocessMerge;

    public async Task<RunStep?> ExecuteAsync(RunClaim claim, RunStep step, CancellationToken cancellationToken)
    {
        var run = claim.Run;
        var dataset = await datasets.DatasetOfAsync(run, cancellationToken);
        var preprocessing = await coordination.VersionAwaitedByAsync(run.Id, cancellationToken);
        var version = await preprocessor.MergeAsync(dataset, datasets.StoreRoot, preprocessing.ContentHash, cancellationToken);
        await datasets.PublishAsync(version, cancellationToken);
        await waiters.WakeAsync(run.Id, version.ContentHash, cancellationToken);
        return await completion.FinishAsync(claim, dataset, version, cancellationToken);
    }
}
