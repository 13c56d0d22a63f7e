using System.CommandLine;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Infrastructure.Torch;
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
            Description = "Only the fashion-mnist preset's training on generated 28x28 images: the whole batch at once, batch slices, and slices with fused max pooling",
        };
        var againstPyTorch = new Option<bool>("--against-pytorch")
        {
            Description = "Only the full-size two-tower AlexNet against the same network in Debian's PyTorch (/usr/bin/python3, python3-torch), a step each in alternation: training with and without LRN (batch 32), evaluation (batch 128), then each layer alone",
        };
        var rounds = new Option<int>("--rounds")
        {
            HelpName = "n",
            Description = "With --against-pytorch: rounds of 3 steps of each kind each way; the spread is over rounds",
            DefaultValueFactory = _ => 5,
        }.AtLeast(1);
        var dataDirectory = ConfigurationArguments.DataDirectory();
        var command = new Command("benchmark", "Data-pipeline and compute figures, measured side by side (see docs/PERFORMANCE.md).")
        {
            images, retrievalOnly, trainingOnly, againstPyTorch, rounds, dataDirectory,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            // Before the benchmarks' first libtorch call; the figures depend on what it chose.
            var runtime = TorchRuntime.Start(OneDnnProbeCommand.Guard(Path.GetFullPath(parseResult.GetValue(dataDirectory) ?? "data")));
            Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
            Console.WriteLine($"Torch runtime: {runtime}");
            if (parseResult.GetValue(againstPyTorch))
            {
                return PrintAgainstPyTorch(parseResult.GetValue(rounds), runtime.OneDnn.MaxIsa, cancellationToken);
            }

            if (parseResult.GetValue(retrievalOnly))
            {
                PrintRetrieval(cancellationToken);
                return 0;
            }

            if (parseResult.GetValue(trainingOnly))
            {
                await PrintTrainingAsync(WorkFolder(parseResult.GetValue(dataDirectory) ?? "data"), cancellationToken);
                return 0;
            }

            return await RunAsync(parseResult.GetValue(images), parseResult.GetValue(dataDirectory) ?? "data", cancellationToken);
        });
        return command;
    }

    /// <summary>Our step time as a multiple of PyTorch's, for each kind of step, with its range over rounds.</summary>
    private static int PrintAgainstPyTorch(int rounds, string? oneDnnCap, CancellationToken ct)
    {
        if (PyTorchComparison.Unavailable() is { } reason)
        {
            Console.Error.WriteLine($"benchmark --against-pytorch needs Debian's PyTorch: {reason}");
            return CommandLineApp.UsageError;
        }

        var c = PyTorchComparison.Run(rounds, stepsPerRound: 3, oneDnnCap, ct);
        Console.WriteLine(FormattableString.Invariant(
            $"Against PyTorch {c.PyTorchVersion} ({PyTorchComparison.Python}, BLAS {c.PyTorchBlas}): full-size two-tower AlexNet, {c.Parameters:N0} parameters in both, {c.Threads} threads each, ") +
            FormattableString.Invariant($"one step each in alternation, {c.Rounds} rounds of {c.StepsPerRound}; our time as a multiple of PyTorch's (below 1: faster):"));
        if (PyTorchComparison.IsReferenceBlas(c.PyTorchBlas))
        {
            Console.WriteLine("  Warning: PyTorch runs on Debian's reference BLAS, which makes its fc layers about 13x slower; install libopenblas0 (libtorch's recommendation) for a fair comparison.");
        }

        foreach (var step in c.Steps)
        {
            Console.WriteLine(FormattableString.Invariant(
                $"  {step.Step + ":",-27} ours {step.OursSeconds * 1000,5:F0} ms, PyTorch {step.PyTorchSeconds * 1000,5:F0} ms: {step.Ratio:F2}x ") +
                FormattableString.Invariant($"(rounds {step.RoundRatios.Min():F2}-{step.RoundRatios.Max():F2})"));
        }

        var training = c.Steps[0];
        Console.WriteLine(FormattableString.Invariant($"Layer by layer, each alone forward and backward on batch {c.TrainBatch}, activation included (the profile of the step with LRN):"));
        foreach (var layer in c.Layers)
        {
            Console.WriteLine(FormattableString.Invariant(
                $"  {layer.Step + ":",-7} ours {layer.OursSeconds * 1000,6:F1} ms ({layer.OursSeconds / training.OursSeconds,4:P0} of our step), ") +
                FormattableString.Invariant($"PyTorch {layer.PyTorchSeconds * 1000,6:F1} ms: {layer.Ratio:F2}x (rounds {layer.RoundRatios.Min():F2}-{layer.RoundRatios.Max():F2})"));
        }

        double ours = c.Layers.Sum(l => l.OursSeconds), theirs = c.Layers.Sum(l => l.PyTorchSeconds);
        Console.WriteLine(FormattableString.Invariant(
            $"  layers summed: ours {ours * 1000:F0} ms, PyTorch {theirs * 1000:F0} ms: {ours / theirs:F2}x; the rest of the step (loss, dropout, SGD update): ") +
            FormattableString.Invariant($"ours {(training.OursSeconds - ours) * 1000:F0} ms, PyTorch {(training.PyTorchSeconds - theirs) * 1000:F0} ms"));
        return 0;
    }

    /// <summary>The search of GET /api/runs/{id}/neighbours, warm, against the 0.5 s target of issue 9.5.</summary>
    private static void PrintRetrieval(CancellationToken ct)
    {
        var r = RetrievalBenchmark.Run(vectors: 100_000, dimension: 4096, k: 6, queries: 10, ct);
        Console.WriteLine(FormattableString.Invariant(
            $"retrieval: exact {r.K}-NN over {r.Vectors:N0} x {r.Dimension} float32 vectors: median {r.MedianSeconds:F2} s, max {r.MaxSeconds:F2} s per query ") +
            FormattableString.Invariant($"({r.Queries} warm queries, {r.Threads} threads; target < 0.5 s)"));
    }

    /// <summary>The fashion-mnist preset's training, fed by the loader; each change to the step measured against the way before.</summary>
    private static async Task PrintTrainingAsync(string work, CancellationToken ct)
    {
        var preset = HyperparameterPresets.All[HyperparameterPresets.FashionMnist];
        var t = await TrainingStepBenchmark.RunAsync(preset, work, images: 12800, rounds: 7, ct);
        Console.WriteLine($"Training, fashion-mnist preset (batch {t.BatchSize}, {t.InputSize}x{t.InputSize} crops of {t.Images} generated images, median of {t.Rounds} alternating epochs, images/s):");
        Console.WriteLine(FormattableString.Invariant(
            $"  whole batch on libtorch's threads {t.WholeBatch:F0}; {t.Slices} batch slices {t.Sliced:F0} ({t.SlicingSpeedUp:F2}x); ") +
            FormattableString.Invariant($"and fused max pooling {t.SlicedFusedPooling:F0} ({t.PoolingSpeedUp:F2}x more)"));
    }

    private static string WorkFolder(string dataDirectory) =>
        Directory.CreateDirectory(Path.Combine(Path.GetFullPath(dataDirectory), "benchmark")).FullName;

    private static async Task<int> RunAsync(int images, string dataDirectory, CancellationToken ct)
    {
        var work = WorkFolder(dataDirectory);
        var benchmark = new PipelineBenchmark(work);
        var paper = HyperparameterPresets.All[HyperparameterPresets.Paper2012];
        var small = HyperparameterPresets.All[HyperparameterPresets.Quickstart];

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
        Console.WriteLine($"  the same step with contiguous activations {lrn.ContiguousStepMilliseconds:F0} ms: channels last is {lrn.ChannelsLastSpeedUp:F2}x faster");
        await PrintTrainingAsync(work, ct);
        PrintRetrieval(ct);
        return 0;
    }
}
