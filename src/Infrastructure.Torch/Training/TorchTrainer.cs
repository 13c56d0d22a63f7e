using System.Diagnostics;
using System.Text.Json;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Data;
using AlexNetModel = AlexNet.Experiments.Infrastructure.Torch.Model.AlexNet;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Training;

/// <summary>
/// Trains one epoch from the previous epoch's checkpoint. Shuffling, augmentation and dropout are seeded from
/// (seed, epoch), so re-running an epoch reproduces it; an epoch whose checkpoint exists is not trained again.
/// </summary>
public sealed partial class TorchTrainer(IAugmentationFactory augmentations, ILogger<TorchTrainer> logger) : ITrainer
{
    private const int Prefetch = 3;

    public Task<EpochOutcome> TrainEpochAsync(TrainingRequest request, CancellationToken cancellationToken) =>
        Task.Run(() => TrainEpoch(request, cancellationToken), cancellationToken);

    private EpochOutcome TrainEpoch(TrainingRequest request, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(request.CheckpointDirectory);
        var checkpointPath = Checkpoint.PathFor(request.CheckpointDirectory, request.Epoch);
        var metricsPath = Path.ChangeExtension(checkpointPath, ".metrics.json");
        if (File.Exists(checkpointPath) && File.Exists(metricsPath))
        {
            return new EpochOutcome(JsonSerializer.Deserialize<EpochMetrics>(File.ReadAllText(metricsPath))!, checkpointPath);
        }

        var hp = request.Hyperparameters;
        var dataset = request.Dataset;
        int epochSeed = DeterministicSeed.For(hp.Seed, request.Epoch);
        manual_seed(epochSeed);

        using var model = AlexNetModel.Create(hp.Model, dataset.ClassNames.Count, hp.Seed);
        using var optimizer = new SgdOptimizer(model.parameters(), hp.Optimizer);
        if (request.Epoch > 1)
        {
            Checkpoint.Load(Checkpoint.PathFor(request.CheckpointDirectory, request.Epoch - 1), model, optimizer);
        }

        var device = model.InputDevice;
        int crop = hp.Model.InputSize, floatsPerImage = 3 * crop * crop;
        var augmentation = augmentations.CreateTraining(hp, dataset);
        using var train = PreprocessedSplit.Open(dataset.StorePath, DatasetSplit.Train, dataset.Settings.ImageSize);
        var order = DeterministicSeed.Shuffle(train.Count, epochSeed);

        model.train();
        double lossSum = 0;
        long top1 = 0, top5 = 0, seen = 0;
        var clock = Stopwatch.StartNew();
        using (var loader = new BatchLoader(
            order, train.Label, hp.BatchSize, floatsPerImage,
            (position, index, pixels) => augmentation.Apply(train.Image(index), pixels, new Random(DeterministicSeed.For(epochSeed, position, 1))),
            Prefetch, cancellationToken))
        {
            foreach (var batch in loader.ReadAll())
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var x = tensor(batch.Pixels, [batch.Count, 3, crop, crop]).to(device);
                var y = tensor(batch.Labels).to(device);
                var logits = model.forward(x);
                var loss = nn.functional.cross_entropy(logits, y);
                optimizer.ZeroGrad();
                loss.backward();
                optimizer.Step(request.LearningRate);

                lossSum += loss.item<float>() * batch.Count;
                var (t1, t5) = TopK.Correct(logits.detach(), y);
                top1 += t1;
                top5 += t5;
                seen += batch.Count;
                loader.Recycle(batch); // only now: on CPU the batch tensor may share the buffer's memory
            }
        }

        double imagesPerSecond = seen / clock.Elapsed.TotalSeconds;
        var validation = Validate(model, request, cancellationToken);
        var metrics = new EpochMetrics(
            request.RunId, request.Epoch, lossSum / seen, 1 - (double)top1 / seen, 1 - (double)top5 / seen,
            validation.Loss, validation.Top1Error, validation.Top5Error, request.LearningRate, imagesPerSecond, DateTimeOffset.UtcNow);

        Checkpoint.Save(checkpointPath, model, optimizer);
        File.WriteAllText(metricsPath, JsonSerializer.Serialize(metrics));
        LogEpoch(request.RunId, request.Epoch, metrics.TrainLoss, metrics.ValidationTop1Error, metrics.ValidationTop5Error, imagesPerSecond);
        return new EpochOutcome(metrics, checkpointPath);
    }

    /// <summary>Validation during training uses the single centre crop; the final evaluation may use ten crops.</summary>
    private static (double Loss, double Top1Error, double Top5Error) Validate(AlexNetModel model, TrainingRequest request, CancellationToken cancellationToken)
    {
        var result = CropEvaluation.Run(model, request.Hyperparameters, request.Dataset, tenCrop: false, cancellationToken);
        return (result.Loss, result.Top1Error, result.Top5Error);
    }

    [LoggerMessage(LogLevel.Information, "Run {RunId} epoch {Epoch}: train loss {Loss:F4}, validation top-1 error {Top1:P1}, top-5 {Top5:P1}, {Rate:F0} images/s")]
    private partial void LogEpoch(Guid runId, int epoch, double loss, double top1, double top5, double rate);
}
