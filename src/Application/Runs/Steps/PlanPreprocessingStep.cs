using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using Microsoft.Extensions.Logging;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>
/// Lists and hashes the dataset. A version already published finishes preprocessing at once; otherwise the run waits for
/// the version's shards, which the first run to plan that version queues, all at once, to run in parallel.
/// </summary>
public sealed partial class PlanPreprocessingStep(
    IDatasetPreprocessor preprocessor,
    RunDatasets datasets,
    IPreprocessingCoordination coordination,
    RunStepQueue queue,
    PreprocessingCompletion completion,
    StepProgress progress,
    ILogger<PlanPreprocessingStep> logger) : IRunStepExecutor
{
    public RunStepKind Kind => RunStepKind.Preprocess;

    public async Task<RunStep?> ExecuteAsync(RunClaim claim, RunStep step, CancellationToken cancellationToken)
    {
        if (await coordination.GetPreprocessingAsync(claim.Run.Id, cancellationToken) is not null)
        {
            LogAlreadyPlanned(step);
            return null;
        }

        var dataset = await datasets.DatasetOfAsync(claim.Run, cancellationToken);
        if (claim.Run.Status == RunStatus.Queued && !await claim.TryAdvanceAsync((run, now) => run.StartPreprocessing(now), cancellationToken))
        {
            return null;
        }

        var run = claim.Run;
        var settings = new PreprocessingSettings(run.Hyperparameters.Data.ImageSize);
        var plan = await preprocessor.PlanAsync(dataset, settings, datasets.StoreRoot, progress.Preprocessing(run, 0, 1), cancellationToken);
        if (plan.Existing is { } existing)
        {
            return await completion.FinishAsync(claim, dataset, existing, cancellationToken);
        }

        // Claiming the run lets only one execution of this step go on to start the shards.
        if (!await claim.TryAdvanceAsync((r, now) => r.Claim(now), cancellationToken))
        {
            return null;
        }

        if (await coordination.StartPreprocessingAsync(run.Id, plan.ContentHash, plan.Shards, cancellationToken))
        {
            LogShardsQueued(run.Id, plan.Shards, plan.ContentHash);
            for (int shard = 0; shard < plan.Shards; shard++)
            {
                await queue.EnqueueShardAsync(run.Id, plan.ContentHash, shard, cancellationToken);
            }
        }
        else if (await datasets.FindVersionAsync(plan.ContentHash, cancellationToken) is not null)
        {
            // Another run's merge published the version before this run said it waits for it, so no merge will wake this one.
            return new RunStep(run.Id, RunStepKind.PreprocessMerge);
        }
        else
        {
            LogWaitingForShards(run.Id, plan.ContentHash);
        }

        return null;
    }

    [LoggerMessage(LogLevel.Information, "Skipping {Step}: the run already waits for its version's shards")]
    private partial void LogAlreadyPlanned(RunStep step);

    [LoggerMessage(LogLevel.Information, "Run {RunId}: queued {Shards} preprocessing shards of version {ContentHash}")]
    private partial void LogShardsQueued(Guid runId, int shards, string contentHash);

    [LoggerMessage(LogLevel.Information, "Run {RunId} waits for the shards of version {ContentHash}, which another run queued")]
    private partial void LogWaitingForShards(Guid runId, string contentHash);
}
