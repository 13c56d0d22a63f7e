using System.Diagnostics;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Infrastructure.Torch.Augmentation;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Benchmarks;

public sealed record PreprocessingFigures(int Images, int SourceWidth, int SourceHeight, int TargetSize, double Seconds, int Cores)
{
    public double ImagesPerSecond => Images / Seconds;
    public double ImagesPerSecondPerCore => ImagesPerSecond / Cores;
}

public sealed record LoaderFigures(int Images, int BatchSize, int CropSize, double Seconds, int Cores)
{
    public double ImagesPerSecond => Images / Seconds;
    public double ImagesPerSecondPerCore => ImagesPerSecond / Cores;
}

/// <summary>
/// The same training steps fed by the real loader and by batches already in memory, alternating epoch by epoch.
/// Rates are medians over rounds; Ratio (loader / memory) is the median of the per-round ratios, which cancels most of
/// the drift in a shared machine's speed.
/// </summary>
public sealed record LoaderVersusMemoryFigures(int Rounds, int StepsPerEpoch, int BatchSize, double LoaderImagesPerSecond, double InMemoryImagesPerSecond, double Ratio);

public sealed record ComputeFigures(string Model, int BatchSize, double StepSeconds, double TrainingGflopPerSecond, int MatmulSize, double MatmulGflopPerSecond)
{
    public double FractionOfMatmul => TrainingGflopPerSecond / MatmulGflopPerSecond;
}

/// <summary>
/// Data-pipeline and compute figures measured side by side in one process on generated JPEGs: preprocessing rate,
/// loader rate with full augmentation, training fed by the loader versus from memory, and achieved GFLOP/s.
/// </summary>
public sealed class PipelineBenchmark(string workDirectory)
{
    public async Task<(PreprocessingFigures Figures, DatasetVersion Version)> PreprocessAsync(int images, int targetSize, CancellationToken cancellationToken)
    {
        // The generator writes S x 4S/3 images, so S = 375 gives the 500x375 of a typical ImageNet photo.
        const int shorterSide = 375;
        var source = Path.Combine(workDirectory, $"source-{images}");
        if (!Directory.Exists(source))
        {
            await new SyntheticDatasetGenerator().GenerateAsync(
                new SyntheticDatasetSpec(Classes: 10, TrainPerClass: images / 10, ValidationPerClass: 2, ImageSize: shorterSide, Seed: 11), source, cancellationToken);
        }

        var storeRoot = Path.Combine(workDirectory, $"store-{Guid.NewGuid():N}");
        var dataset = new Dataset(Guid.NewGuid(), "benchmark", source, DatasetFormat.ImageFolder, DateTimeOffset.UtcNow);
        var clock = Stopwatch.StartNew();
        var version = await new DatasetPreprocessor()
            .PreprocessAsync(dataset, new PreprocessingSettings(targetSize), storeRoot, null, cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        int total = version.TrainCount + version.ValidationCount + version.SkippedCount;
        return (new PreprocessingFigures(total, shorterSide * 4 / 3, shorterSide, targetSize, seconds, Environment.ProcessorCount), version);
    }

    /// <summary>Epoch 0 warms up (JIT, first touch of the batch buffers and the memory-mapped store) and is not counted.</summary>
    public static LoaderFigures MeasureLoader(DatasetVersion version, Hyperparameters hyperparameters, int epochs, CancellationToken cancellationToken)
    {
        var augmentation = new TorchAugmentationFactory().CreateTraining(hyperparameters, version);
        using var split = PreprocessedSplit.Open(version.StorePath, DatasetSplit.Train, version.Settings.ImageSize);
        int images = 0;
        var clock = new Stopwatch();
        for (int epoch = 0; epoch <= epochs; epoch++)
        {
            if (epoch == 1)
            {
                clock.Start();
            }

            using var loader = TrainingSession.TrainingBatches(split, augmentation, hyperparameters.BatchSize, hyperparameters.Model.InputSize, epoch, cancellationToken);
            foreach (var batch in loader.ReadAll())
            {
                images += epoch > 0 ? batch.Count : 0;
                loader.Recycle(batch);
            }
        }

        return new LoaderFigures(images, hyperparameters.BatchSize, hyperparameters.Model.InputSize, clock.Elapsed.TotalSeconds, Environment.ProcessorCount);
    }

    public static LoaderVersusMemoryFigures MeasureLoaderVersusMemory(DatasetVersion version, Hyperparameters hyperparameters, int rounds, CancellationToken cancellationToken)
    {
        var augmentation = new TorchAugmentationFactory().CreateTraining(hyperparameters, version);
        using var split = PreprocessedSplit.Open(version.StorePath, DatasetSplit.Train, version.Settings.ImageSize);
        int crop = hyperparameters.Model.InputSize;

        // The in-memory side trains on exactly the batches the loader produced, converted to tensors beforehand.
        var inMemory = new List<(Tensor Images, Tensor Labels)>();
        using (var loader = TrainingSession.TrainingBatches(split, augmentation, hyperparameters.BatchSize, crop, 1, cancellationToken))
        {
            foreach (var batch in loader.ReadAll())
            {
                inMemory.Add((batch.Images(3, crop, crop).clone().DetachFromDisposeScope(),
                    tensor(batch.Labels).DetachFromDisposeScope()));
                loader.Recycle(batch);
            }
        }

        using var session = new TrainingSession(hyperparameters, version.ClassNames.Count, epochSeed: 1);
        session.Step(inMemory[0].Images, inMemory[0].Labels, 0.001, new EpochTotals()); // warm-up

        // Alternate the two sides epoch by epoch so drift in machine load hits both equally.
        var loaderRates = new List<double>();
        var memoryRates = new List<double>();
        for (int round = 1; round <= rounds; round++)
        {
            var totals = new EpochTotals();
            var clock = Stopwatch.StartNew();
            using (var loader = TrainingSession.TrainingBatches(split, augmentation, hyperparameters.BatchSize, crop, round, cancellationToken))
            {
                foreach (var batch in loader.ReadAll())
                {
                    session.Step(batch, 0.001, totals);
                    loader.Recycle(batch);
                }
            }

            loaderRates.Add(totals.Images / clock.Elapsed.TotalSeconds);

            totals = new EpochTotals();
            clock.Restart();
            foreach (var (images, labels) in inMemory)
            {
                session.Step(images, labels, 0.001, totals);
            }

            memoryRates.Add(totals.Images / clock.Elapsed.TotalSeconds);
        }

        foreach (var (images, labels) in inMemory)
        {
            images.Dispose();
            labels.Dispose();
        }

        return new LoaderVersusMemoryFigures(
            rounds, inMemory.Count, hyperparameters.BatchSize, Samples.Median(loaderRates), Samples.Median(memoryRates),
            Samples.Median(loaderRates.Zip(memoryRates, (l, m) => l / m)));
    }

    public static ComputeFigures MeasureCompute(string name, Hyperparameters hyperparameters, int classCount, int steps, int matmulSize)
    {
        int batch = hyperparameters.BatchSize, crop = hyperparameters.Model.InputSize;
        using var session = new TrainingSession(hyperparameters, classCount, epochSeed: 1);
        using var generator = new Generator(3);
        using var images = randn([batch, 3, crop, crop], generator: generator).mul_(50);
        using var labels = randint(0, classCount, [batch], generator: generator);
        session.Step(images, labels, 1e-4, new EpochTotals()); // warm-up
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
        {
            session.Step(images, labels, 1e-4, new EpochTotals());
        }

        double stepSeconds = clock.Elapsed.TotalSeconds / steps;
        double trainingGflops = AlexNetFlops.TrainingStep(hyperparameters.Model, classCount) * batch / stepSeconds / 1e9;
        return new ComputeFigures(name, batch, stepSeconds, trainingGflops, matmulSize, MatmulGflopPerSecond(matmulSize));
    }

    private static double MatmulGflopPerSecond(int n)
    {
        using var generator = new Generator(4);
        using var a = randn([n, n], generator: generator);
        using var b = randn([n, n], generator: generator);
        using (a.mm(b)) { } // warm-up
        const int repeats = 5;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++)
        {
            using var c = a.mm(b);
        }

        return 2.0 * n * n * n * repeats / clock.Elapsed.TotalSeconds / 1e9;
    }
}
