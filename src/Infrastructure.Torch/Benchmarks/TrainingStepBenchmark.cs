using System.Diagnostics;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Infrastructure.Torch.Augmentation;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Training;

namespace AlexNet.Experiments.Infrastructure.Torch.Benchmarks;

/// <summary>Median images/s of training fed by the real loader, three ways; each later way changes one thing.</summary>
/// <param name="WholeBatch">The whole batch at once on libtorch's threads, with libtorch's max pooling.</param>
/// <param name="Sliced">The batch as <paramref name="Slices"/> slices on single-threaded workers, libtorch's max pooling.</param>
/// <param name="SlicedFusedPooling">The same with <see cref="FusedMaxPool"/>: the preset's way.</param>
public sealed record TrainingStepFigures(
    int BatchSize, int InputSize, int Slices, int Images, int Rounds, double WholeBatch, double Sliced, double SlicedFusedPooling)
{
    public double SlicingSpeedUp => Sliced / WholeBatch;

    public double PoolingSpeedUp => SlicedFusedPooling / Sliced;
}

/// <summary>
/// A preset's training epochs on a generated dataset, the variants alternating epoch by epoch so drift in the machine's
/// load hits all of them alike; each epoch runs the trainer's loader and <see cref="TrainingSession.Step(Batch, double, EpochTotals)"/>.
/// </summary>
public static class TrainingStepBenchmark
{
    public static async Task<TrainingStepFigures> RunAsync(
        Hyperparameters hyperparameters, string workDirectory, int images, int rounds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var version = await GenerateAsync(hyperparameters, workDirectory, images, cancellationToken);
        int slices = Math.Max(2, hyperparameters.BatchSlices), classes = version.ClassNames.Count;
        using var whole = new TrainingSession(hyperparameters with { BatchSlices = 1 }, classes, epochSeed: 1);
        using var sliced = new TrainingSession(hyperparameters with { BatchSlices = slices }, classes, epochSeed: 1);
        var augmentation = new TorchAugmentationFactory().CreateTraining(hyperparameters, version);
        using var split = PreprocessedSplit.Open(version.StorePath, DatasetSplit.Train, version.Settings.ImageSize);

        double ImagesPerSecond(TrainingSession session, KernelImplementation pooling, int epoch)
        {
            KernelSwitch.Use<MaxPool>(session.Model, pooling);
            var totals = new EpochTotals();
            var clock = Stopwatch.StartNew();
            using var loader = TrainingSession.TrainingBatches(
                split, augmentation, hyperparameters.BatchSize, hyperparameters.Model.InputSize, epoch, cancellationToken);
            foreach (var batch in loader.ReadAll())
            {
                session.Step(batch, 1e-4, totals);
                loader.Recycle(batch);
            }

            return totals.Images / clock.Elapsed.TotalSeconds;
        }

        Func<int, double>[] variants =
        [
            epoch => ImagesPerSecond(whole, KernelImplementation.LibTorch, epoch),
            epoch => ImagesPerSecond(sliced, KernelImplementation.LibTorch, epoch),
            epoch => ImagesPerSecond(sliced, KernelImplementation.Fused, epoch),
        ];
        foreach (var variant in variants)
        {
            variant(0); // warm-up: JIT, oneDNN primitives, the workers' first steps
        }

        var rates = variants.Select(_ => new List<double>()).ToArray();
        for (int round = 1; round <= rounds; round++)
        {
            for (int v = 0; v < variants.Length; v++)
            {
                rates[v].Add(variants[v](round));
            }
        }

        return new TrainingStepFigures(
            hyperparameters.BatchSize, hyperparameters.Model.InputSize, slices, split.Count, rounds, Samples.Median(rates[0]), Samples.Median(rates[1]), Samples.Median(rates[2]));
    }

    /// <summary>Synthetic shapes at the preset's stored size (10 classes), preprocessed once per work folder.</summary>
    private static async Task<DatasetVersion> GenerateAsync(Hyperparameters hyperparameters, string workDirectory, int images, CancellationToken cancellationToken)
    {
        int size = hyperparameters.Data.ImageSize;
        var source = Path.Combine(workDirectory, $"training-source-{size}-{images}");
        if (!Directory.Exists(source))
        {
            await new SyntheticDatasetGenerator().GenerateAsync(
                new SyntheticDatasetSpec(Classes: 10, TrainPerClass: images / 10, ValidationPerClass: 1, ImageSize: size, Seed: 12), source, cancellationToken);
        }

        var dataset = new Dataset(Guid.NewGuid(), "training-benchmark", source, DatasetFormat.ImageFolder, DateTimeOffset.UtcNow);
        return await new DatasetPreprocessor().PreprocessAsync(
            dataset, new PreprocessingSettings(size), Path.Combine(workDirectory, $"training-store-{Guid.NewGuid():N}"), null, cancellationToken);
    }
}
