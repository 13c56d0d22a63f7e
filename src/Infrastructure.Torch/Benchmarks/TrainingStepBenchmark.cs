using System.Diagnostics;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Benchmarks;

/// <summary>Median images/s of one training step, three ways; each later way adds one change to the one before.</summary>
/// <param name="LibTorchPooling">The whole batch at once on libtorch's threads, with libtorch's max pooling.</param>
/// <param name="FusedPooling">The same with <see cref="FusedMaxPool"/>.</param>
/// <param name="Sliced">The same computed as <paramref name="Slices"/> slices on single-threaded workers.</param>
public sealed record TrainingStepFigures(
    int BatchSize, int InputSize, int Slices, int Rounds, int Threads, double LibTorchPooling, double FusedPooling, double Sliced)
{
    public double PoolingSpeedUp => FusedPooling / LibTorchPooling;

    public double SlicingSpeedUp => Sliced / FusedPooling;
}

/// <summary>
/// A preset's SGD step on fixed random batches in one process, with the variants alternating round by round so drift in
/// the machine's load hits all of them alike.
/// </summary>
public static class TrainingStepBenchmark
{
    public static TrainingStepFigures Run(Hyperparameters hyperparameters, int classCount, int rounds, int stepsPerRound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hyperparameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        int slices = Math.Max(2, hyperparameters.BatchSlices), batch = hyperparameters.BatchSize, crop = hyperparameters.Model.InputSize;
        using var whole = new TrainingSession(hyperparameters with { BatchSlices = 1 }, classCount, epochSeed: 1);
        using var sliced = new TrainingSession(hyperparameters with { BatchSlices = slices }, classCount, epochSeed: 1);
        using var generator = new Generator(5);
        using var images = randn([batch, 3, crop, crop], generator: generator);
        using var labels = randint(0, classCount, [batch], generator: generator);

        double ImagesPerSecond(TrainingSession session, KernelImplementation pooling)
        {
            KernelSwitch.Use<MaxPool>(session.Model, pooling);
            var clock = Stopwatch.StartNew();
            for (int step = 0; step < stepsPerRound; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                session.Step(images, labels, 1e-4, new EpochTotals());
            }

            return batch * stepsPerRound / clock.Elapsed.TotalSeconds;
        }

        Func<double>[] variants =
        [
            () => ImagesPerSecond(whole, KernelImplementation.LibTorch),
            () => ImagesPerSecond(whole, KernelImplementation.Fused),
            () => ImagesPerSecond(sliced, KernelImplementation.Fused),
        ];
        foreach (var variant in variants)
        {
            variant(); // warm-up: JIT, oneDNN primitives, the workers' first steps
        }

        var rates = variants.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            for (int v = 0; v < variants.Length; v++)
            {
                rates[v].Add(variants[v]());
            }
        }

        return new TrainingStepFigures(batch, crop, slices, rounds, get_num_threads(), Median(rates[0]), Median(rates[1]), Median(rates[2]));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
