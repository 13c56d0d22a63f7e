using System.Diagnostics;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Infrastructure.Torch.Augmentation;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using Microsoft.Extensions.Logging;

namespace AlexNet.Experiments.Infrastructure.Torch.Training;

/// <summary>
/// Trains one epoch from the previous epoch's checkpoint. Shuffling, augmentation and dropout draw only from generators
/// of the run's own, seeded from (seed, epoch), so re-running an epoch reproduces it even while other runs train in the
/// same process; an epoch whose checkpoint exists is not trained again.
/// An epoch stopped by its time budget saves a partial checkpoint (weights, velocities, totals, generator state, step points) and
/// the next call continues from it, with the same result and the same step points as an unbroken epoch. A cancelled token takes the same path at the next
/// batch boundary, then throws <see cref="OperationCanceledException"/>. A non-finite loss throws <see cref="TrainingDivergedException"/>.
/// </summary>
public sealed partial class TorchTrainer : ITrainer
{
    private readonly IAugmentationFactory augmentations;
    private readonly ILogger<TorchTrainer> logger;

    public TorchTrainer(ILogger<TorchTrainer> logger)
        : this(new TorchAugmentationFactory(), logger)
    {
    }

    internal TorchTrainer(IAugmentationFactory augmentations, ILogger<TorchTrainer> logger)
    {
        this.augmentations = augmentations;
        this.logger = logger;
    }

    // The token does not guard the start: a stop requested before the first batch still trains one and saves, like any other.
    public Task<EpochOutcome?> TrainEpochAsync(TrainingRequest request, CancellationToken cancellationToken) =>
        TorchStep.RunAsync(() => TrainEpoch(request, cancellationToken), CancellationToken.None);

    private EpochOutcome? TrainEpoch(TrainingRequest request, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(request.CheckpointDirectory);
        var checkpointPath = Checkpoint.PathFor(request.CheckpointDirectory, request.Epoch);
        if (Checkpoint.TryReadFinished(checkpointPath) is { } finished)
        {
            foreach (var point in Checkpoint.ReadSteps(checkpointPath))
            {
                request.Steps.Points?.Report(point);
            }

            return new EpochOutcome(finished, checkpointPath);
        }

        var hp = request.Hyperparameters;
        var dataset = request.Dataset;
        int epochSeed = DeterministicSeed.For(hp.Seed, request.Epoch);
        var partialPath = Checkpoint.PartialPathFor(request.CheckpointDirectory, request.Epoch);

        using var session = new TrainingSession(hp, dataset.ClassNames.Count, epochSeed);
        var steps = new StepCurve(request);
        var resumed = Checkpoint.TryLoadPartial(partialPath, session, steps);
        if (resumed is null && request.Epoch > 1)
        {
            Checkpoint.Load(Checkpoint.PathFor(request.CheckpointDirectory, request.Epoch - 1), session.Model, session.Optimizer);
        }

        var augmentation = augmentations.CreateTraining(hp, dataset);
        using var train = PreprocessedSplit.Open(dataset.StorePath, DatasetSplit.Train, dataset.Settings.ImageSize);
        var order = TrainingSession.EpochOrder(train.Count, hp.Data.TrainImages, hp.Seed, epochSeed);
        var totals = resumed?.Totals ?? new EpochTotals();
        LogTraining(request.RunId, request.Epoch, totals.Images, order.Length);
        double secondsBefore = resumed?.Seconds ?? 0;
        steps.ReportEarlierPoints();
        var clock = Stopwatch.StartNew();
        // The loader gets no token: a stop request is honoured between batches below, where the state can be saved.
        using (var loader = TrainingSession.TrainingBatches(
            train, order, augmentation, hp.BatchSize, hp.Model.InputSize, epochSeed, CancellationToken.None, firstPosition: (int)totals.Images))
        {
            int batch = (int)(totals.Images / hp.BatchSize);
            foreach (var images in loader.ReadAll())
            {
                batch++;
                double loss = session.Step(images, request.LearningRate, totals);
                loader.Recycle(images); // only after the step: on CPU the batch tensor is the buffer
                if (!double.IsFinite(loss))
                {
                    File.Delete(partialPath);
                    throw new TrainingDivergedException(request.Epoch, batch, loss);
                }

                steps.AfterBatch(batch, totals, order.Length, secondsBefore + clock.Elapsed.TotalSeconds);
                request.Progress?.Report(new TrainingProgress((int)totals.Images, order.Length, totals.LossSum / totals.Images));
                bool budgetSpent = request.TimeBudget is { } budget && clock.Elapsed >= budget;
                if ((budgetSpent || cancellationToken.IsCancellationRequested) && totals.Images < order.Length)
                {
                    Checkpoint.SavePartial(partialPath, session, totals, steps, secondsBefore + clock.Elapsed.TotalSeconds);
                    LogPaused(request.RunId, request.Epoch, totals.Images, order.Length, budgetSpent ? "its time budget is used" : "it was asked to stop");
                    cancellationToken.ThrowIfCancellationRequested();
                    return null;
                }
            }
        }

        long seen = totals.Images;
        double trainSeconds = secondsBefore + clock.Elapsed.TotalSeconds;
        double imagesPerSecond = seen / trainSeconds;
        var validation = Validate(session.Model, request, cancellationToken);
        var metrics = new EpochMetrics(
            request.RunId, request.Epoch, totals.LossSum / seen, 1 - (double)totals.Top1Correct / seen, 1 - (double)totals.Top5Correct / seen,
            validation.Loss, validation.Top1Error, validation.Top5Error, request.LearningRate, imagesPerSecond, DateTimeOffset.UtcNow)
        {
            TrainSeconds = trainSeconds,
        };

        Checkpoint.Save(checkpointPath, session.Model, session.Optimizer);
        Checkpoint.SaveSteps(checkpointPath, steps.Points);
        Checkpoint.SaveMetrics(checkpointPath, metrics);
        File.Delete(partialPath);
        LogEpoch(request.RunId, request.Epoch, metrics.TrainLoss, metrics.ValidationTop1Error, metrics.ValidationTop5Error, imagesPerSecond);
        return new EpochOutcome(metrics, checkpointPath);
    }

    /// <summary>Validation during training uses the single centre crop; the final evaluation may use ten crops.</summary>
    private static (double Loss, double Top1Error, double Top5Error) Validate(AlexNetModel model, TrainingRequest request, CancellationToken cancellationToken)
    {
        var result = CropEvaluation.Run(model, request.Hyperparameters, request.Dataset, tenCrop: false, cancellationToken);
        return (result.Loss, result.Top1Error, result.Top5Error);
    }

    [LoggerMessage(LogLevel.Information, "Run {RunId} epoch {Epoch}: training from image {First} of {Total}")]
    private partial void LogTraining(Guid runId, int epoch, long first, int total);

    [LoggerMessage(LogLevel.Information, "Run {RunId} epoch {Epoch}: saved after {Done}/{Total} images because {Why}; the next step continues the epoch")]
    private partial void LogPaused(Guid runId, int epoch, long done, int total, string why);

    [LoggerMessage(LogLevel.Information, "Run {RunId} epoch {Epoch}: train loss {Loss:F4}, validation top-1 error {Top1:P1}, top-5 {Top5:P1}, {Rate:F0} images/s")]
    private partial void LogEpoch(Guid runId, int epoch, double loss, double top1, double top5, double rate);
}
