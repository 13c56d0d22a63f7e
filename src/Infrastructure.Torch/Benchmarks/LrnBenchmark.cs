using System.Diagnostics;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Benchmarks;

/// <summary>Median milliseconds of forward + backward, for the conv1-sized LRN layer and for a whole AlexNet training step.</summary>
/// <param name="LayerShape">The activation the layer timings use (N x C x H x W, channels last as in the model).</param>
/// <param name="ReluMilliseconds">ReLU forward + backward on the same activation: the cost of one memory-bound pass pair.</param>
/// <param name="NoLrnStepMilliseconds">The same step with LRN switched off: the floor, so LibTorch / NoLrn bounds any LRN's speed-up of the step.</param>
/// <param name="ContiguousStepMilliseconds">The step with the fused LRN and contiguous (N x C x H x W) activations instead of channels last.</param>
public sealed record LrnBenchmarkResult(
    IReadOnlyList<long> LayerShape,
    int BatchSize,
    int Repetitions,
    int Threads,
    double LibTorchLrnMilliseconds,
    double FusedLrnMilliseconds,
    double ReluMilliseconds,
    double LibTorchStepMilliseconds,
    double FusedStepMilliseconds,
    double NoLrnStepMilliseconds,
    double ContiguousStepMilliseconds)
{
    public double LrnSpeedUp => LibTorchLrnMilliseconds / FusedLrnMilliseconds;

    public double StepSpeedUp => LibTorchStepMilliseconds / FusedStepMilliseconds;

    /// <summary>What StepSpeedUp would be if LRN cost nothing.</summary>
    public double StepSpeedUpCeiling => LibTorchStepMilliseconds / NoLrnStepMilliseconds;

    public double ChannelsLastSpeedUp => ContiguousStepMilliseconds / FusedStepMilliseconds;
}

/// <summary>
/// libtorch's LRN against <see cref="FusedLrn"/> in one process: the layer alone on conv1's activation (with a ReLU as the
/// memory-bound yardstick), and a full-size training step (227 input, 1000 classes, SGD) with each and without LRN, and
/// with the fused LRN on contiguous activations.
/// The variants alternate within every repetition so drift in machine load hits all; libtorch's default thread count is kept.
/// </summary>
public sealed class LrnBenchmark
{
    private static readonly long[] Conv1Activation = [32, 96, 55, 55];

    public LrnBenchmarkResult Run(int batchSize = 32, int repetitions = 5, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        var layer = MeasureLayer(repetitions, cancellationToken);
        var step = MeasureTrainingStep(batchSize, repetitions, cancellationToken);
        return new LrnBenchmarkResult(
            [.. Conv1Activation], batchSize, repetitions, get_num_threads(), layer.LibTorch, layer.Fused, layer.Relu, step.LibTorch, step.Fused, step.NoLrn, step.Contiguous);
    }

    private static (double LibTorch, double Fused, double Relu) MeasureLayer(int repetitions, CancellationToken cancellationToken)
    {
        // The paper's settings, with the grouped network's two towers, as conv1's LRN runs in training.
        var settings = new LrnHyperparameters();
        using var libTorch = new Lrn(settings, groups: 2, KernelImplementation.LibTorch);
        using var fused = new Lrn(settings, groups: 2, KernelImplementation.Fused);
        using var generator = new Generator(1);
        using var input = AlexNetModel.Arrange(randn(Conv1Activation, generator: generator).relu_(), ActivationLayout.ChannelsLast).requires_grad_();
        using var gradient = AlexNetModel.Arrange(randn(Conv1Activation, generator: generator), ActivationLayout.ChannelsLast);

        void Pass(Func<Tensor, Tensor> layer)
        {
            using var scope = NewDisposeScope();
            var output = layer(input);
            autograd.grad([output], [input], [gradient]);
        }

        var times = Measure(
            repetitions,
            cancellationToken,
            () => Pass(libTorch.forward),
            () => Pass(fused.forward),
            () => Pass(x => x.relu()));
        return (times[0], times[1], times[2]);
    }

    private static (double LibTorch, double Fused, double NoLrn, double Contiguous) MeasureTrainingStep(int batchSize, int repetitions, CancellationToken cancellationToken)
    {
        var model = new ModelHyperparameters();
        using var net = AlexNetModel.Create(model, classCount: 1000, seed: 1);
        using var plain = AlexNetModel.Create(model with { Lrn = new LrnHyperparameters { Enabled = false } }, classCount: 1000, seed: 1);
        using var optimizer = optim.SGD(net.parameters(), 0.01, momentum: 0.9, weight_decay: 5e-4);
        using var plainOptimizer = optim.SGD(plain.parameters(), 0.01, momentum: 0.9, weight_decay: 5e-4);
        using var generator = new Generator(2);
        using var images = randn([batchSize, 3, model.InputSize, model.InputSize], generator: generator);
        using var labels = randint(0, 1000, [batchSize], generator: generator);
        net.DropoutGenerator = generator;
        plain.DropoutGenerator = generator;

        void Step(AlexNetModel network, optim.Optimizer sgd)
        {
            network.train();
            using var scope = NewDisposeScope();
            sgd.zero_grad();
            nn.functional.cross_entropy(network.forward(images), labels).backward();
            sgd.step();
        }

        var times = Measure(
            repetitions,
            cancellationToken,
            () =>
            {
                KernelSwitch.Use<Lrn>(net, KernelImplementation.LibTorch);
                Step(net, optimizer);
            },
            () =>
            {
                KernelSwitch.Use<Lrn>(net, KernelImplementation.Fused);
                Step(net, optimizer);
            },
            () => Step(plain, plainOptimizer),
            () =>
            {
                KernelSwitch.Use<Lrn>(net, KernelImplementation.Fused);
                net.Layout = ActivationLayout.Contiguous;
                Step(net, optimizer);
                net.Layout = ActivationLayout.ChannelsLast;
            });
        return (times[0], times[1], times[2], times[3]);
    }

    /// <summary>One warm-up round, then <paramref name="repetitions"/> rounds each running every variant once; the medians.</summary>
    private static double[] Measure(int repetitions, CancellationToken cancellationToken, params Action[] variants)
    {
        foreach (var variant in variants)
        {
            variant();
        }

        var samples = variants.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < repetitions; round++)
        {
            for (int v = 0; v < variants.Length; v++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                variants[v]();
                samples[v].Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        return samples.Select(Samples.Median).ToArray();
    }
}
