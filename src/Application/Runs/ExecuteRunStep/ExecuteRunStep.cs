using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using Mediator;
using Microsoft.Extensions.Logging;

namespace AlexNet.Experiments.Application.Runs.ExecuteRunStep;

/// <summary>
/// Runs one bounded step of a run (plan the preprocessing, one shard of it, its merge, one training epoch, or evaluation) and
/// queues the next.
/// </summary>
public sealed record ExecuteRunStepCommand(RunStep Step) : ICommand;

public sealed partial class ExecuteRunStepHandler(
    IResultsStore store,
    IDatasetPreprocessor preprocessor,
    ITrainer trainer,
    IEvaluator evaluator,
    IArtifactStore artifacts,
    IJobScheduler scheduler,
    IRuntimeEnvironment runtime,
    RunProgressBoard progressBoard,
    RunCancellations cancellations,
    RunStepOptions options,
    TimeProvider clock,
    ILogger<ExecuteRunStepHandler> logger) : ICommandHandler<ExecuteRunStepCommand>
{
    public const string CheckpointKind = "checkpoint";

    public async ValueTask<Unit> Handle(ExecuteRunStepCommand command, CancellationToken cancellationToken)
    {
        var step = command.Step;
        var run = await store.GetRunAsync(step.RunId, cancellationToken) ?? throw new NotFoundException("Run", step.RunId);
        if (!RunJobs.IsCurrent(run, step)
            || (step.Kind == RunStepKind.Preprocess && await store.GetPreprocessingAsync(run.Id, cancellationToken) is not null))
        {
            LogStaleStep(step, run.Status, run.EpochsCompleted);
            return Unit.Value;
        }

        // The run as this execution last wrote or read it: the compare-and-set token of every write, failure included.
        var claim = new Claim(run);
        LogStepStarted(step);
        // Cancelling the run (POST /api/runs/{id}/cancel) trips this token; the trainer stops at the next batch boundary.
        using var cancellation = cancellations.Register(run.Id);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, cancellation.Token);
        try
        {
            var next = step.Kind switch
            {
                RunStepKind.Preprocess => await PreprocessAsync(claim, linked.Token),
                RunStepKind.PreprocessShard => await PreprocessShardAsync(claim, step.Shard, linked.Token),
                RunStepKind.PreprocessMerge => await MergeAsync(claim, linked.Token),
                RunStepKind.TrainEpoch => await TrainEpochAsync(claim, step.Epoch, linked.Token),
                RunStepKind.Evaluate => await EvaluateAsync(claim, linked.Token),
                _ => throw new ArgumentOutOfRangeException(nameof(command), step.Kind, null),
            };

            if (next is not null)
            {
                await RunJobs.EnqueueAsync(store, scheduler, claim.Run, next, cancellationToken);
            }
        }
        catch (TrainingDivergedException diverged)
        {
            LogDiverged(run.Id, diverged.Epoch, diverged.Batch, diverged.Message);
            await store.AddEpochMetricsAsync(DivergedMetrics(claim.Run.Id, diverged.Epoch), CancellationToken.None);
            await AdvanceAsync(claim, claim.Run with
            {
                Status = RunStatus.Diverged,
                Error = diverged.Message,
                Divergence = new Divergence(diverged.Epoch, diverged.Batch),
            }, CancellationToken.None);
        }
        catch (OperationCanceledException) when (cancellation.Token.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogCancelled(step);
            await KeepProgressAsync(run.Id, finished: true, CancellationToken.None);
            await HandOverAsync(run.Id, step, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogStepFailed(e, step);
            if (await AdvanceAsync(claim, claim.Run with { Status = RunStatus.Failed, Error = $"{step.Kind}: {FailureReason.From(e)}" }, CancellationToken.None))
            {
                await HandOverAsync(run.Id, step, CancellationToken.None);
            }

            throw;
        }

        return Unit.Value;
    }

    /// <summary>
    /// Lists and hashes the dataset. A version already published finishes preprocessing at once; otherwise the run waits for
    /// the version's shards, which the first run to plan that version queues, all at once, to run in parallel.
    /// </summary>
    private async Task<RunStep?> PreprocessAsync(Claim claim, CancellationToken cancellationToken)
    {
        var run = claim.Run;
        var (dataset, settings) = await DatasetOfAsync(run, cancellationToken);
        if (run.Status == RunStatus.Queued && !await AdvanceAsync(claim, run with { Status = RunStatus.Preprocessing }, cancellationToken))
        {
            return null;
        }

        run = claim.Run;
        var plan = await preprocessor.PlanAsync(dataset, settings, artifacts.DatasetStoreRoot, PreprocessingProgress(run, 0, 1), cancellationToken);
        if (plan.Existing is { } existing)
        {
            return await FinishPreprocessingAsync(claim, dataset, existing, cancellationToken);
        }

        // Bumping the update time lets only one execution of this step go on to start the shards.
        if (!await AdvanceAsync(claim, run, cancellationToken))
        {
            return null;
        }

        if (await store.StartPreprocessingAsync(run.Id, plan.ContentHash, plan.Shards, cancellationToken))
        {
            LogShardsQueued(run.Id, plan.Shards, plan.ContentHash);
            for (int shard = 0; shard < plan.Shards; shard++)
            {
                await RunJobs.EnqueueShardAsync(store, scheduler, run.Id, plan.ContentHash, shard, cancellationToken);
            }
        }
        else if (await store.GetDatasetVersionAsync(plan.ContentHash, cancellationToken) is not null)
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

    /// <summary>Decodes one shard; the job that completes the last shard claims the merge and queues it.</summary>
    private async Task<RunStep?> PreprocessShardAsync(Claim claim, int shard, CancellationToken cancellationToken)
    {
        var run = claim.Run;
        var (dataset, _) = await DatasetOfAsync(run, cancellationToken);
        var preprocessing = await store.GetPreprocessingAsync(run.Id, cancellationToken)
            ?? throw new InvalidOperationException($"Run {run.Id} waits for no preprocessing shards.");
        if (preprocessing.Shards.FirstOrDefault(s => s.Index == shard) is not { } row)
        {
            throw new InvalidOperationException($"Version {preprocessing.ContentHash} has no shard {shard}.");
        }

        if (!row.Done)
        {
            await preprocessor.PreprocessShardAsync(
                dataset, artifacts.DatasetStoreRoot, preprocessing.ContentHash, shard, PreprocessingProgress(run, shard, preprocessing.Shards.Count), cancellationToken);
            await store.CompletePreprocessShardAsync(preprocessing.ContentHash, shard, cancellationToken);
        }

        if (await store.TryClaimPreprocessMergeAsync(preprocessing.ContentHash, cancellationToken))
        {
            await RunJobs.EnqueueMergeAsync(store, scheduler, run.Id, preprocessing.ContentHash, cancellationToken);
        }

        return null;
    }

    /// <summary>Publishes the version from its shards (or finds it published), wakes every other run waiting for it, and finishes this run's preprocessing.</summary>
    private async Task<RunStep?> MergeAsync(Claim claim, CancellationToken cancellationToken)
    {
        var run = claim.Run;
        var (dataset, _) = await DatasetOfAsync(run, cancellationToken);
        var preprocessing = await store.GetPreprocessingAsync(run.Id, cancellationToken)
            ?? throw new InvalidOperationException($"Run {run.Id} waits for no preprocessing shards.");
        var version = await preprocessor.MergeAsync(dataset, artifacts.DatasetStoreRoot, preprocessing.ContentHash, cancellationToken);
        await store.AddDatasetVersionAsync(version, cancellationToken);
        foreach (var waitingId in await store.ListRunsAwaitingVersionAsync(version.ContentHash, cancellationToken))
        {
            if (waitingId != run.Id && await store.GetRunAsync(waitingId, cancellationToken) is { Status: RunStatus.Preprocessing } waiting)
            {
                await RunJobs.EnqueueAsync(store, scheduler, waiting, new RunStep(waiting.Id, RunStepKind.PreprocessMerge), cancellationToken);
            }
        }

        return await FinishPreprocessingAsync(claim, dataset, version, cancellationToken);
    }

    /// <summary>
    /// A shard or merge that stopped with its run (failed or cancelled) is queued for the next run waiting for the version, which
    /// tries it for itself at once (and, failing too, hands it on) instead of waiting for reconciliation.
    /// </summary>
    private async Task HandOverAsync(Guid runId, RunStep step, CancellationToken cancellationToken)
    {
        if (step.Kind is not (RunStepKind.PreprocessShard or RunStepKind.PreprocessMerge)
            || await store.GetPreprocessingAsync(runId, cancellationToken) is not { } preprocessing)
        {
            return;
        }

        foreach (var waitingId in await store.ListRunsAwaitingVersionAsync(preprocessing.ContentHash, cancellationToken))
        {
            if (waitingId == runId || await store.GetRunAsync(waitingId, cancellationToken) is not { Status: RunStatus.Preprocessing })
            {
                continue;
            }

            if (step.Kind == RunStepKind.PreprocessShard)
            {
                await RunJobs.EnqueueShardAsync(store, scheduler, waitingId, preprocessing.ContentHash, step.Shard, cancellationToken);
            }
            else
            {
                await RunJobs.EnqueueMergeAsync(store, scheduler, waitingId, preprocessing.ContentHash, cancellationToken);
            }

            LogHandedOver(step, waitingId);
            return;
        }
    }

    private async Task<RunStep?> FinishPreprocessingAsync(Claim claim, Dataset dataset, DatasetVersion version, CancellationToken cancellationToken)
    {
        var run = claim.Run;
        var hyperparameters = HyperparameterJson.FromJson(run.HyperparametersJson);
        await store.AddDatasetVersionAsync(version, cancellationToken);
        if (version.TrainCount == 0 || version.ValidationCount == 0)
        {
            throw new InvalidOperationException(
                $"Dataset '{dataset.Name}' has {version.TrainCount} readable training and {version.ValidationCount} validation images ({version.SkippedCount} skipped); both splits need at least one.");
        }

        var facts = runtime.Describe(hyperparameters.Model);
        await store.SaveHyperparameterRecordAsync(
            new HyperparameterRecord(
                run.Id, run.HyperparametersJson, HyperparameterJson.Sha256(run.HyperparametersJson), hyperparameters.Seed,
                version.ContentHash, version.ClassNames.Count, facts.CodeVersion, facts.TorchSharpVersion, facts.LibTorchVersion, facts.Device,
                clock.GetUtcNow()),
            cancellationToken);

        return await AdvanceAsync(claim, run with { Status = RunStatus.Training, DatasetVersionHash = version.ContentHash }, cancellationToken)
            ? new RunStep(run.Id, RunStepKind.TrainEpoch, 1)
            : null;
    }

    private async Task<(Dataset Dataset, PreprocessingSettings Settings)> DatasetOfAsync(Run run, CancellationToken cancellationToken)
    {
        var hyperparameters = HyperparameterJson.FromJson(run.HyperparametersJson);
        var experiment = await store.GetExperimentAsync(run.ExperimentId, cancellationToken) ?? throw new NotFoundException("Experiment", run.ExperimentId);
        var dataset = await store.GetDatasetAsync(experiment.DatasetId, cancellationToken) ?? throw new NotFoundException("Dataset", experiment.DatasetId);
        return (dataset, new PreprocessingSettings(hyperparameters.Data.ImageSize));
    }

    /// <summary>Progress of the plan (shard 0 of 1) or of one shard, on the run's board and in the log every few seconds.</summary>
    private ImmediateProgress<PreprocessingProgress> PreprocessingProgress(Run run, int shard, int shards)
    {
        int epochs = HyperparameterJson.FromJson(run.HyperparametersJson).Epochs;
        var lastLogged = DateTimeOffset.MinValue;
        return new ImmediateProgress<PreprocessingProgress>(p =>
        {
            var current = progressBoard.Report(run.Id, new ProgressSample(RunProgressBoard.Preprocessing, 0, epochs, p.Processed, p.Total, 0, null));
            if (current.UpdatedAt - lastLogged > TimeSpan.FromSeconds(5) || p.Processed == p.Total)
            {
                lastLogged = current.UpdatedAt;
                LogPreprocessing(run.Id, shard + 1, shards, p.Processed, p.Total, p.Skipped, current.ImagesPerSecond);
            }
        });
    }

    private async Task<RunStep?> TrainEpochAsync(Claim claim, int epoch, CancellationToken cancellationToken)
    {
        var run = claim.Run;
        var hyperparameters = HyperparameterJson.FromJson(run.HyperparametersJson);
        var version = await GetDatasetVersionAsync(run, cancellationToken);
        var history = await store.GetEpochMetricsAsync(run.Id, cancellationToken);
        var learningRate = LearningRateSchedule.For(hyperparameters, epoch, history);

        var progress = new ImmediateProgress<TrainingProgress>(p => progressBoard.Report(run.Id, new ProgressSample(
            RunProgressBoard.Training, epoch, hyperparameters.Epochs, p.ImagesDone, p.ImagesTotal, hyperparameters.BatchSize,
            double.IsNaN(p.RunningLoss) ? null : p.RunningLoss)));
        var outcome = await trainer.TrainEpochAsync(
            new TrainingRequest(run.Id, hyperparameters, version, epoch, learningRate, artifacts.GetRunDirectory(run.Id))
            {
                Progress = progress,
                TimeBudget = options.TrainingStepBudget,
            },
            cancellationToken);
        if (outcome is null)
        {
            // The epoch continues in a new job; bumping the update time lets only one execution queue it.
            return await AdvanceAsync(claim, run, cancellationToken) ? new RunStep(run.Id, RunStepKind.TrainEpoch, epoch) : null;
        }

        await store.AddEpochMetricsAsync(outcome.Metrics, cancellationToken);
        var checkpoint = await artifacts.DescribeAsync(run.Id, CheckpointKind, outcome.CheckpointPath, cancellationToken);
        await store.AddArtifactAsync(checkpoint with { Epoch = epoch }, cancellationToken);
        await KeepProgressAsync(run.Id, finished: false, cancellationToken);
        if (options.CheckpointRetention == CheckpointRetention.LastAndBest)
        {
            await PruneCheckpointsAsync(run.Id, epoch, cancellationToken);
        }

        var finished = epoch >= hyperparameters.Epochs;
        if (!await AdvanceAsync(claim, run with { EpochsCompleted = epoch, Status = finished ? RunStatus.Evaluating : RunStatus.Training }, cancellationToken))
        {
            return null;
        }

        return finished ? new RunStep(run.Id, RunStepKind.Evaluate) : new RunStep(run.Id, RunStepKind.TrainEpoch, epoch + 1);
    }

    private async Task<RunStep?> EvaluateAsync(Claim claim, CancellationToken cancellationToken)
    {
        var run = claim.Run;
        var hyperparameters = HyperparameterJson.FromJson(run.HyperparametersJson);
        var version = await GetDatasetVersionAsync(run, cancellationToken);
        var checkpoint = (await store.ListArtifactsAsync(run.Id, cancellationToken))
            .SingleOrDefault(a => a.Kind == CheckpointKind && a.Epoch == run.EpochsCompleted)
            ?? throw new InvalidOperationException($"The run has no checkpoint of epoch {run.EpochsCompleted} to evaluate.");

        var result = await evaluator.EvaluateAsync(new EvaluationRequest(run.Id, hyperparameters, version, checkpoint.Path), cancellationToken);
        await store.SaveEvaluationAsync(result, cancellationToken);
        await KeepProgressAsync(run.Id, finished: true, cancellationToken);
        await AdvanceAsync(claim, run with { Status = RunStatus.Succeeded }, cancellationToken);
        return null;
    }

    /// <summary>Keeps the newest checkpoint (the next epoch and evaluation read it) and the best by validation top-1 error.</summary>
    private async Task PruneCheckpointsAsync(Guid runId, int lastEpoch, CancellationToken cancellationToken)
    {
        var best = (await store.GetEpochMetricsAsync(runId, cancellationToken))
            .Where(m => !double.IsNaN(m.ValidationTop1Error))
            .MinBy(m => m.ValidationTop1Error);
        foreach (var stale in (await store.ListArtifactsAsync(runId, cancellationToken))
                     .Where(a => a.Kind == CheckpointKind && a.Epoch != lastEpoch && a.Epoch != best?.Epoch))
        {
            artifacts.Delete(stale);
            await store.RemoveArtifactAsync(runId, stale.Path, cancellationToken);
        }
    }

    /// <summary>Stores the step's last figures so they outlive this process and the run; a finished run has nothing left to wait for.</summary>
    private async Task KeepProgressAsync(Guid runId, bool finished, CancellationToken cancellationToken)
    {
        var figures = progressBoard.Get(runId) ?? await store.GetRunProgressAsync(runId, cancellationToken);
        if (figures is not null)
        {
            await store.SaveRunProgressAsync(runId, finished ? figures with { StepSecondsLeft = 0, RunSecondsLeft = 0 } : figures, cancellationToken);
        }
    }

    private async Task<DatasetVersion> GetDatasetVersionAsync(Run run, CancellationToken cancellationToken) =>
        await store.GetDatasetVersionAsync(run.DatasetVersionHash ?? "", cancellationToken)
        ?? throw new InvalidOperationException($"Run {run.Id} has no preprocessed dataset version.");

    /// <summary>
    /// Moves the run on only if no other execution of the step changed it since this one last did (a job store may hand a long
    /// job out twice); the loser queues nothing and writes nothing, so a run never grows a second chain of steps and a healthy
    /// run is never overwritten, not even by a failure.
    /// </summary>
    private async Task<bool> AdvanceAsync(Claim claim, Run advanced, CancellationToken cancellationToken)
    {
        var updated = advanced with { UpdatedAt = clock.GetUtcNow() };
        if (await store.TryAdvanceRunAsync(claim.Run, updated, cancellationToken))
        {
            claim.Run = updated;
            return true;
        }

        LogLostRace(claim.Run.Id, claim.Run.Status, claim.Run.EpochsCompleted, advanced.Status);
        return false;
    }

    /// <summary>The diverged epoch's row: every figure unknown (stored as null), so the metrics show where the run ended.</summary>
    private EpochMetrics DivergedMetrics(Guid runId, int epoch) => new(
        runId, epoch, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, clock.GetUtcNow());

    private sealed class Claim(Run run)
    {
        public Run Run { get; set; } = run;
    }

    [LoggerMessage(LogLevel.Information, "{Step} started")]
    private partial void LogStepStarted(RunStep step);

    [LoggerMessage(LogLevel.Information, "Skipping {Step}: the run is {Status} with {Epochs} epochs done, so this step already ran")]
    private partial void LogStaleStep(RunStep step, RunStatus status, int epochs);

    [LoggerMessage(LogLevel.Warning, "Run {RunId} was already moved past {Status} with {Epochs} epochs by another execution; this one stops here without writing {Wanted}")]
    private partial void LogLostRace(Guid runId, RunStatus status, int epochs, RunStatus wanted);

    [LoggerMessage(LogLevel.Warning, "Run {RunId} diverged at epoch {Epoch}, batch {Batch}: {Reason}")]
    private partial void LogDiverged(Guid runId, int epoch, int batch, string reason);

    [LoggerMessage(LogLevel.Information, "{Step} stopped: the run was cancelled")]
    private partial void LogCancelled(RunStep step);

    [LoggerMessage(LogLevel.Error, "{Step} failed")]
    private partial void LogStepFailed(Exception exception, RunStep step);

    [LoggerMessage(LogLevel.Information, "Run {RunId}: part {Part} of {Parts}: preprocessed {Processed}/{Total} images, {Skipped} skipped, {Rate:F0} images/s")]
    private partial void LogPreprocessing(Guid runId, int part, int parts, int processed, int total, int skipped, double rate);

    [LoggerMessage(LogLevel.Warning, "{Step} stopped with its run; queued again for run {WaitingRunId}, which waits for the same version")]
    private partial void LogHandedOver(RunStep step, Guid waitingRunId);

    [LoggerMessage(LogLevel.Information, "Run {RunId}: queued {Shards} preprocessing shards of version {ContentHash}")]
    private partial void LogShardsQueued(Guid runId, int shards, string contentHash);

    [LoggerMessage(LogLevel.Information, "Run {RunId} waits for the shards of version {ContentHash}, which another run queued")]
    private partial void LogWaitingForShards(Guid runId, string contentHash);
}
