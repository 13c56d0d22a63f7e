using System.CommandLine;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Infrastructure.Torch.Benchmarks;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>
/// Prints the data-pipeline and compute figures of docs/PERFORMANCE.md, every comparison measured side by side in this
/// one process.
/// </summary>
public static class BenchmarkCommand
{
    public static Command Create()
    {
        var images = new Option<int>("--images")
        {
            HelpName = "n",
            Description = "Generated 500x375 JPEGs to preprocess and load",
            DefaultValueFactory = _ => 1000,
        }.AtLeast(256); // two batches of 128 for the loader figures
        var retrievalOnly = new Option<bool>("--retrieval-only")
        {
            Description = "Only the exact 6-NN search over 100,000 x 4096 float32 vectors (no images generated)",
        };
        var trainingOnly = new Option<bool>("--training-only")
        {
            Description = "Only the fashion-mnist preset's training step: libtorch's max pooling, the fused one, and batch slices (random data, no images generated)",
        };
        var dataDirectory = ConfigurationArguments.DataDirectory();
        var command = new Command("benchmark", "Data-pipeline and compute figures, measured side by side (see docs/PERFORMANCE.md).")
        {
            images, retrievalOnly, trainingOnly, dataDirectory,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (parseResult.GetValue(retrievalOnly))
            {
                Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
                PrintRetrieval(cancellationToken);
                return 0;
            }

            if (parseResult.GetValue(trainingOnly))
            {
                Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
                PrintTrainingStep(cancellationToken);
                return 0;
            }

            return await RunAsync(parseResult.GetValue(images), parseResult.GetValue(dataDirectory) ?? "data", cancellationToken);
        });
        return command;
    }

    /// <summary>The search of GET /api/runs/{id}/neighbours, warm, against the 0.5 s target of issue 9.5.</summary>
    private static void PrintRetrieval(CancellationToken ct)
    {
        var r = RetrievalBenchmark.Run(vectors: 100_000, dimension: 4096, k: 6, queries: 10, ct);
        Console.WriteLine(FormattableString.Invariant(
            $"retrieval: exact {r.K}-NN over {r.Vectors:N0} x {r.Dimension} float32 vectors: median {r.MedianSeconds:F2} s, max {r.MaxSeconds:F2} s per query ") +
            FormattableString.Invariant($"({r.Queries} warm queries, {r.Threads} threads; target < 0.5 s)"));
    }

    /// <summary>The fashion-mnist preset's step (10 classes), each change to it measured against the way before.</summary>
    private static void PrintTrainingStep(CancellationToken ct)
    {
        var t = TrainingStepBenchmark.Run(HyperparameterPresets.All[HyperparameterPresets.FashionMnist], classCount: 10, rounds: 7, stepsPerRound: 40, ct);
        Console.WriteLine($"Training step, fashion-mnist preset (batch {t.BatchSize}, {t.InputSize}x{t.InputSize}, median of {t.Rounds} alternating rounds, images/s):");
        Console.WriteLine(FormattableString.Invariant(
            $"  whole batch on {t.Threads} libtorch threads, libtorch max pooling {t.LibTorchPooling:F0}; fused max pooling {t.FusedPooling:F0} ({t.PoolingSpeedUp:F2}x); ") +
            FormattableString.Invariant($"{t.Slices} batch slices, one worker thread each {t.Sliced:F0} ({t.SlicingSpeedUp:F2}x more)"));
    }

    private static async Task<int> RunAsync(int images, string dataDirectory, CancellationToken ct)
    {
        var work = Path.Combine(Path.GetFullPath(dataDirectory), "benchmark");
        Directory.CreateDirectory(work);
        var benchmark = new PipelineBenchmark(work);
        var paper = HyperparameterPresets.All[HyperparameterPresets.Paper2012];
        var small = HyperparameterPresets.All[HyperparameterPresets.Quickstart];

        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        Console.WriteLine($"Work folder: {work}");

        var (preprocessing, store256) = await benchmark.PreprocessAsync(images, 256, ct);
        Console.WriteLine();
        Console.WriteLine($"Preprocessing {preprocessing.Images} JPEGs {preprocessing.SourceWidth}x{preprocessing.SourceHeight} -> {preprocessing.TargetSize}x{preprocessing.TargetSize}:");
        Console.WriteLine($"  {preprocessing.ImagesPerSecond,8:F0} images/s total, {preprocessing.ImagesPerSecondPerCore:F0} per core ({preprocessing.Seconds:F1} s)");

        var loaderHp = paper with { BatchSize = 128 };
        var loader = PipelineBenchmark.MeasureLoader(store256, loaderHp, epochs: 3, ct);
        Console.WriteLine($"Loader, batch {loader.BatchSize}, {loader.CropSize}x{loader.CropSize} crops with crop, flip, PCA colour and mean subtraction:");
        Console.WriteLine($"  {loader.ImagesPerSecond,8:F0} images/s total, {loader.ImagesPerSecondPerCore:F0} per core");

        var (_, store76) = await benchmark.PreprocessAsync(images, small.Data.ImageSize, ct);
        var feed = PipelineBenchmark.MeasureLoaderVersusMemory(store76, small, rounds: 11, ct);
        Console.WriteLine($"Training at the quickstart preset (batch {feed.BatchSize}, {feed.Rounds} alternating rounds of {feed.StepsPerEpoch} steps each way):");
        Console.WriteLine($"  real loader {feed.LoaderImagesPerSecond:F0} images/s, tensors in memory {feed.InMemoryImagesPerSecond:F0} images/s (medians), ratio {feed.Ratio:F3} (median of rounds)");

        foreach (var compute in new[]
        {
            PipelineBenchmark.MeasureCompute("quickstart preset", small, classCount: 10, steps: 20, matmulSize: 2048),
            PipelineBenchmark.MeasureCompute("full-size AlexNet", paper with { BatchSize = 32 }, classCount: 1000, steps: 3, matmulSize: 2048),
        })
        {
            Console.WriteLine($"Training step, {compute.Model}, batch {compute.BatchSize}: {compute.StepSeconds * 1000:F0} ms, {compute.TrainingGflopPerSecond:F1} GFLOP/s " +
                $"= {compute.FractionOfMatmul:P0} of a {compute.MatmulSize}x{compute.MatmulSize} matmul's {compute.MatmulGflopPerSecond:F1} GFLOP/s");
        }

        var lrn = new LrnBenchmark().Run(batchSize: 32, repetitions: 5, ct);
        Console.WriteLine($"LRN forward+backward on {string.Join("x", lrn.LayerShape)} ({lrn.Threads} threads, median of {lrn.Repetitions}):");
        Console.WriteLine($"  libtorch {lrn.LibTorchLrnMilliseconds:F0} ms, fused {lrn.FusedLrnMilliseconds:F1} ms, ReLU {lrn.ReluMilliseconds:F1} ms: fused is {lrn.LrnSpeedUp:F1}x faster");
        Console.WriteLine($"Full-size training step, batch {lrn.BatchSize}: libtorch LRN {lrn.LibTorchStepMilliseconds:F0} ms, fused LRN {lrn.FusedStepMilliseconds:F0} ms, " +
            $"no LRN {lrn.NoLrnStepMilliseconds:F0} ms: {lrn.StepSpeedUp:F2}x faster (at most {lrn.StepSpeedUpCeiling:F2}x if LRN cost nothing)");
        PrintTrainingStep(ct);
        PrintRetrieval(ct);
        return 0;
    }
}
