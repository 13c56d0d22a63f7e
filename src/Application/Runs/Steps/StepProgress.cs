using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;
using Microsoft.Extensions.Logging;

namespace AlexNet.Experiments.Application.Runs.Steps;

/// <summary>
/// What an executing step reports: images done, on this process's board (which <see cref="RunControl"/> writes to the store
/// every second or so) and, for preprocessing, in the log every few seconds.
/// </summary>
public sealed partial class StepProgress(RunProgressBoard board, IRunProgressStore store, ILogger<StepProgress> logger)
{
    /// <summary>Progress of the plan (shard 0 of 1) or of one shard.</summary>
    public IProgress<PreprocessingProgress> Preprocessing(Run run, int shard, int shards)
    {
        int epochs = run.Hyperparameters.Epochs;
        var lastLogged = DateTimeOffset.MinValue;
        return new ImmediateProgress<PreprocessingProgress>(p =>
        {
            var current = board.Report(run.Id, new ProgressSample(RunProgressBoard.Preprocessing, 0, epochs, p.Processed, p.Total, 0, null));
            if (current.UpdatedAt - lastLogged > TimeSpan.FromSeconds(5) || p.Processed == p.Total)
            {
                lastLogged = current.UpdatedAt;
                LogPreprocessing(run.Id, shard + 1, shards, p.Processed, p.Total, p.Skipped, current.ImagesPerSecond);
            }
        });
    }

    public IProgress<TrainingProgress> Training(Run run, int epoch)
    {
        var hyperparameters = run.Hyperparameters;
        return new ImmediateProgress<TrainingProgress>(p => board.Report(run.Id, new ProgressSample(
            RunProgressBoard.Training, epoch, hyperparameters.Epochs, p.ImagesDone, p.ImagesTotal, hyperparameters.BatchSize,
            double.IsNaN(p.RunningLoss) ? null : p.RunningLoss)));
    }

    /// <summary>Stores the step's last figures so they outlive this process and the run; a finished run has nothing left to wait for.</summary>
    public async Task KeepAsync(Guid runId, bool finished, CancellationToken cancellationToken)
    {
        var figures = board.Get(runId) ?? await store.GetRunProgressAsync(runId, cancellationToken);
        if (figures is not null)
        {
            await store.SaveRunProgressAsync(runId, finished ? figures with { StepSecondsLeft = 0, RunSecondsLeft = 0 } : figures, cancellationToken);
        }
    }

    [LoggerMessage(LogLevel.Information, "Run {RunId}: part {Part} of {Parts}: preprocessed {Processed}/{Total} images, {Skipped} skipped, {Rate:F0} images/s")]
    private partial void LogPreprocessing(Guid runId, int part, int parts, int processed, int total, int skipped, double rate);
}
