using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>Decodes one shard; the job that completes the last shard claims the merge and queues it.</summary>
public sealed class PreprocessShardStep(
    IDatasetPreprocessor preprocessor, RunDatasets datasets, IPreprocessingCoordination coordination, RunStepQueue queue, StepProgress progress) : IRunStepExecutor
{
    public RunStepKind Kind => RunStepKind.PreprocessShard;

    public async Task<RunStep?> ExecuteAsync(RunClaim claim, RunStep step, CancellationToken cancellationToken)
    {
        var run = claim.Run;
        var dataset = await datasets.DatasetOfAsync(run, cancellationToken);
        var preprocessing = await coordination.VersionAwaitedByAsync(run.Id, cancellationToken);
        if (preprocessing.Shards.FirstOrDefault(s => s.Index == step.Shard) is not { } row)
        {
            throw new InvalidOperationException($"Version {preprocessing.ContentHash} has no shard {step.Shard}.");
        }

        if (!row.Done)
        {
            await preprocessor.PreprocessShardAsync(
                dataset, datasets.StoreRoot, preprocessing.ContentHash, step.Shard, progress.Preprocessing(run, step.Shard, preprocessing.Shards.Count), cancellationToken);
            await coordination.CompletePreprocessShardAsync(preprocessing.ContentHash, step.Shard, cancellationToken);
        }

        if (await coordination.TryClaimPreprocessMergeAsync(preprocessing.ContentHash, cancellationToken))
        {
            await queue.EnqueueMergeAsync(run.Id, preprocessing.ContentHash, cancellationToken);
        }

        return null;
    }
}
