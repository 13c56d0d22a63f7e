using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using Mediator;
using Microsoft.Extensions.Logging;

namespace AlexNet.Experiments.Application.Runs.ExecuteRunStep;

/// <summary>Runs one bounded step of a run (preprocess, one training epoch, or evaluation) and queues the next.</summary>
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
        if (!RunJobs.IsCurrent(run, step))
        {
            LogStaleStep(step, run.Status, run.EpochsCompleted);
            return Unit.Value;
        }

        // Cancelling the run (POST /api/runs/{id}/cancel) trips this token; the trainer stops at the next batch boundary.
        using var cancellation = cancellations.Register(run.Id);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, cancellation.Token);
        try
        {
            var next = step.Kind switch
            {
                RunStepKind.Preprocess => await PreprocessAsync(run, linked.Token),
                RunStepKind.TrainEpoch => await TrainEpochAsync(run, step.Epoch, linked.Token),
                RunStepKind.Evaluate => await EvaluateAsync(run, linked.Token),
                _ => throw new ArgumentOutOfRangeException(nameof(command), step.Kind, null),
            };

            if (next is not null)
            {
                await RunJobs.EnqueueAsync(store, scheduler, next, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellation.Token.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogCancelled(step);
            await KeepProgressAsync(run.Id, finished: true, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogStepFailed(e, step);
            await MarkFailedAsync(run.Id, $"{step.Kind}: {e.Message}");
            throw;
        }

        return Unit.Value;
    }

    private async Task<RunStep?> PreprocessAsync(Run run, CancellationToken cancellationToken)
    {
        var hyperparameters = HyperparameterJson.FromJson(run.HyperparametersJson);
        var experiment = await store.GetExperimentAsync(run.ExperimentId, cancellationToken) ?? throw new NotFoundException("Experiment", run.ExperimentId);
        var dataset = await store.GetDatasetAsync(experiment.DatasetId, cancellationToken) ?? throw new NotFoundException("Dataset", experiment.DatasetId);
        if (run.Status == RunStatus.Queued)
        {
            await store.UpdateRunAsync(run with { Status = RunStatus.Preprocessing, UpdatedAt = clock.GetUtcNow() }, cancellationToken);
            run = await store.GetRunAsync(run.Id, cancellationToken) ?? throw new NotFoundException("Run", run.Id); // as stored: the compare-and-set token
        }

        var lastLogged = DateTimeOffset.MinValue;
        var progress = new Progress<PreprocessingProgress>(p =>
        {
            var current = progressBoard.Report(run.Id, new ProgressSample(RunProgressBoard.Preprocessing, 0, hyperparameters.Epochs, p.Processed, p.Total, 0, null));
            if (current.UpdatedAt - lastLogged > TimeSpan.FromSeconds(5) || p.Processed == p.Total)
            {
                lastLogged = current.UpdatedAt;
                LogPreprocessing(run.Id, p.Processed, p.Total, p.Skipped, current.ImagesPerSecond);
            }
        });
        var version = await preprocessor.PreprocessAsync(
            dataset, new PreprocessingSettings(hyperparameters.Data.ImageSize), artifacts.DatasetStoreRoot, progress, cancellationToken);
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

        return await AdvanceAsync(run, run with { Status = RunStatus.Training, DatasetVersionHash = version.ContentHash }, cancellationToken)
            ? new RunStep(run.Id, RunStepKind.TrainEpoch, 1)
            : null;
    }

    private async Task<RunStep?> TrainEpochAsync(Run run, int epoch, CancellationToken cancellationToken)
    {
        var hyperparameters = HyperparameterJson.FromJson(run.HyperparametersJson);
        var version = await GetDatasetVersionAsync(run, cancellationToken);
        var history = await store.GetEpochMetricsAsync(run.Id, cancellationToken);
        var learningRate = LearningRateSchedule.For(hyperparameters.Optimizer, hyperparameters.Schedule, epoch, history);

        var progress = new Progress<TrainingProgress>(p => progressBoard.Report(run.Id, new ProgressSample(
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
            return await AdvanceAsync(run, run, cancellationToken) ? new RunStep(run.Id, RunStepKind.TrainEpoch, epoch) : null;
        }

        await store.AddEpochMetricsAsync(outcome.Metrics, cancellationToken);
        await KeepProgressAsync(run.Id, finished: false, cancellationToken);
        await store.AddArtifactAsync(await artifacts.DescribeAsync(run.Id, CheckpointKind, outcome.CheckpointPath, cancellationToken), cancellationToken);
        if (options.CheckpointRetention == CheckpointRetention.LastAndBest)
        {
            await PruneCheckpointsAsync(run.Id, outcome.CheckpointPath, cancellationToken);
        }

        var finished = epoch >= hyperparameters.Epochs;
        if (!await AdvanceAsync(run, run with { EpochsCompleted = epoch, Status = finished ? RunStatus.Evaluating : RunStatus.Training }, cancellationToken))
        {
            return null;
        }

        return finished ? new RunStep(run.Id, RunStepKind.Evaluate) : new RunStep(run.Id, RunStepKind.TrainEpoch, epoch + 1);
    }

    private async Task<RunStep?> EvaluateAsync(Run run, CancellationToken cancellationToken)
    {
        var hyperparameters = HyperparameterJson.FromJson(run.HyperparametersJson);
        var version = await GetDatasetVersionAsync(run, cancellationToken);
        var checkpoint = (await store.ListArtifactsAsync(run.Id, cancellationToken))
            .Where(a => a.Kind == CheckpointKind)
            .OrderBy(a => a.Path, StringComparer.Ordinal)
            .LastOrDefault() ?? throw new InvalidOperationException("The run has no checkpoint to evaluate.");

        var result = await evaluator.EvaluateAsync(new EvaluationRequest(run.Id, hyperparameters, version, checkpoint.Path), cancellationToken);
        await store.SaveEvaluationAsync(result, cancellationToken);
        await KeepProgressAsync(run.Id, finished: true, cancellationToken);
        await AdvanceAsync(run, run with { Status = RunStatus.Succeeded }, cancellationToken);
        return null;
    }

    /// <summary>Keeps the newest checkpoint (the next epoch and evaluation read it) and the best by validation top-1 error.</summary>
    private async Task PruneCheckpointsAsync(Guid runId, string lastPath, CancellationToken cancellationToken)
    {
        var best = (await store.GetEpochMetricsAsync(runId, cancellationToken))
            .Where(m => !double.IsNaN(m.ValidationTop1Error))
            .MinBy(m => m.ValidationTop1Error);
        var keep = new HashSet<string>(StringComparer.Ordinal) { lastPath };
        if (best is not null)
        {
            keep.Add(Path.Combine(Path.GetDirectoryName(lastPath) ?? "", CheckpointNames.ForEpoch(best.Epoch)));
        }

        foreach (var stale in (await store.ListArtifactsAsync(runId, cancellationToken)).Where(a => a.Kind == CheckpointKind && !keep.Contains(a.Path)))
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
    /// Moves the run past this step only if no other execution of the step already did (a job store may hand a long job
    /// out twice); the loser queues nothing, so a run never grows a second chain of steps.
    /// </summary>
    private async Task<bool> AdvanceAsync(Run atStart, Run advanced, CancellationToken cancellationToken)
    {
        if (await store.TryAdvanceRunAsync(atStart, advanced with { UpdatedAt = clock.GetUtcNow() }, cancellationToken))
        {
            return true;
        }

        LogLostRace(atStart.Id, atStart.Status, atStart.EpochsCompleted);
        return false;
    }

    private async Task MarkFailedAsync(Guid runId, string error)
    {
        var run = await store.GetRunAsync(runId, CancellationToken.None) ?? throw new NotFoundException("Run", runId);
        await store.UpdateRunAsync(run with { Status = RunStatus.Failed, Error = error, UpdatedAt = clock.GetUtcNow() }, CancellationToken.None);
    }

    [LoggerMessage(LogLevel.Information, "Skipping {Step}: the run is {Status} with {Epochs} epochs done, so this step already ran")]
    private partial void LogStaleStep(RunStep step, RunStatus status, int epochs);

    [LoggerMessage(LogLevel.Warning, "Run {RunId} was already moved past {Status} with {Epochs} epochs by another execution of the same step; this one stops here")]
    private partial void LogLostRace(Guid runId, RunStatus status, int epochs);

    [LoggerMessage(LogLevel.Information, "{Step} stopped: the run was cancelled")]
    private partial void LogCancelled(RunStep step);

    [LoggerMessage(LogLevel.Error, "{Step} failed")]
    private partial void LogStepFailed(Exception exception, RunStep step);

    [LoggerMessage(LogLevel.Information, "Run {RunId}: preprocessed {Processed}/{Total} images, {Skipped} skipped, {Rate:F0} images/s")]
    private partial void LogPreprocessing(Guid runId, int processed, int total, int skipped, double rate);
}
