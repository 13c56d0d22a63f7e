using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Threading;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Model;

public sealed class FusedLrnTests
{
    // 5 x 7 = 35 positions: four full vectors and a scalar tail; 12 channels put every window at an edge somewhere.
    private static readonly long[] Small = [3, 12, 5, 7];

    public static TheoryData<LrnConvention, int, int, double> Settings() => new()
    {
        { LrnConvention.Paper, 5, 1, 1e-4 },
        { LrnConvention.Paper, 5, 2, 1e-4 },
        { LrnConvention.Paper, 3, 1, 0.5 },
        { LrnConvention.Paper, 3, 2, 0.5 },
        { LrnConvention.PyTorch, 5, 1, 2.0 },
        { LrnConvention.PyTorch, 5, 2, 2.0 },
        { LrnConvention.PyTorch, 3, 2, 1e-4 },
        { LrnConvention.Paper, 4, 2, 0.5 }, // even: one more channel before c than after
        { LrnConvention.Paper, 1, 1, 0.5 },
        { LrnConvention.Paper, 9, 2, 0.5 }, // wider than a group's 6 channels
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void Forward_matches_the_papers_formula_computed_directly(LrnConvention convention, int size, int groups, double alpha)
    {
        var settings = Hyper(convention, size, alpha);
        double coefficient = convention == LrnConvention.Paper ? alpha : alpha / size;
        using var scope = NewDisposeScope();
        var input = Activations(Small, seed: size + groups);
        using var lrn = new Lrn(settings, groups);

        var actual = lrn.forward(input).data<float>().ToArray();
        var expected = Reference(input, size, coefficient, settings.Beta, settings.K, groups);

        for (int i = 0; i < expected.Length; i++)
        {
            Math.Abs(actual[i] - expected[i]).ShouldBeLessThanOrEqualTo(1e-5 * Math.Abs(expected[i]), $"element {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Forward_and_gradient_match_libtorch(LrnConvention convention, int size, int groups, double alpha)
    {
        var settings = Hyper(convention, size, alpha);
        var (fused, fusedGradient) = ForwardBackward(settings, groups, KernelImplementation.Fused, Small, seed: 11);
        var (torch, torchGradient) = ForwardBackward(settings, groups, KernelImplementation.LibTorch, Small, seed: 11);

        RelativeDifference(fused, torch).ShouldBeLessThan(1e-5);
        RelativeDifference(fusedGradient, torchGradient).ShouldBeLessThan(1e-4);
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Channels_last_input_gives_the_formulas_values_and_libtorchs_gradient_in_channels_last(
        LrnConvention convention, int size, int groups, double alpha)
    {
        var settings = Hyper(convention, size, alpha);
        double coefficient = convention == LrnConvention.Paper ? alpha : alpha / size;

        // 12 and 40 channels: per group a scalar tail alone, and vectors with a tail.
        foreach (long[] shape in new long[][] { Small, [2, 40, 3, 5] })
        {
            using var scope = NewDisposeScope();
            using var lrn = new Lrn(settings, groups);
            var input = Activations(shape, seed: size + groups);
            var channelsLast = ChannelsLast.Of(input).detach().requires_grad_();
            FusedLrn.Supports(channelsLast, groups).ShouldBeTrue();

            var output = lrn.forward(channelsLast);
            ChannelsLast.Is(output).ShouldBeTrue();
            var actual = output.contiguous().data<float>().ToArray();
            var expected = Reference(input, size, coefficient, settings.Beta, settings.K, groups);
            for (int i = 0; i < expected.Length; i++)
            {
                Math.Abs(actual[i] - expected[i]).ShouldBeLessThanOrEqualTo(1e-5 * Math.Abs(expected[i]), $"element {i} of [{string.Join(", ", shape)}]");
            }

            var weights = randn(shape, generator: new Generator(17));
            var gradient = autograd.grad([output], [channelsLast], [weights])[0];
            ChannelsLast.Is(gradient).ShouldBeTrue();
            var (_, torchGradient) = ForwardBackward(settings, groups, KernelImplementation.LibTorch, shape, seed: size + groups, weights);
            RelativeDifference(gradient, torchGradient).ShouldBeLessThan(1e-4);
        }
    }

    [Fact]
    public void Channels_last_results_do_not_depend_on_the_thread_count()
    {
        var settings = Hyper(LrnConvention.Paper, 5, 0.5);
        using var scope = NewDisposeScope();
        using var lrn = new Lrn(settings, 2);
        var input = ChannelsLast.Of(Activations([4, 96, 27, 27], seed: 2)).requires_grad_();
        var weights = randn(input.shape, generator: new Generator(3));
        (float[] Output, float[] Gradient) Run()
        {
            var output = lrn.forward(input);
            var gradient = autograd.grad([output], [input], [weights])[0];
            return (output.contiguous().data<float>().ToArray(), gradient.contiguous().data<float>().ToArray());
        }

        var here = Run();
        (float[] Output, float[] Gradient) alone = default;
        TorchWorkers.RunEachOnWorker(1, _ => alone = Run());

        alone.Output.ShouldBe(here.Output);
        alone.Gradient.ShouldBe(here.Gradient);
    }

    [Theory]
    [InlineData(0.6)]
    [InlineData(1.0)]
    public void Other_betas_match_libtorch(double beta)
    {
        var settings = Hyper(LrnConvention.Paper, 5, 0.5) with { Beta = beta };
        var (fused, fusedGradient) = ForwardBackward(settings, 2, KernelImplementation.Fused, Small, seed: 5);
        var (torch, torchGradient) = ForwardBackward(settings, 2, KernelImplementation.LibTorch, Small, seed: 5);

        RelativeDifference(fused, torch).ShouldBeLessThan(1e-5);
        RelativeDifference(fusedGradient, torchGradient).ShouldBeLessThan(1e-4);
    }

    [Fact]
    public void Planes_larger_than_a_tile_match_libtorch()
    {
        // 55 x 55 = 3025 positions: conv1's plane, cut into two tiles with a ragged end.
        var settings = Hyper(LrnConvention.Paper, 5, 1.0);
        long[] shape = [2, 8, 55, 55];
        var (fused, fusedGradient) = ForwardBackward(settings, 2, KernelImplementation.Fused, shape, seed: 3);
        var (torch, torchGradient) = ForwardBackward(settings, 2, KernelImplementation.LibTorch, shape, seed: 3);

        RelativeDifference(fused, torch).ShouldBeLessThan(1e-5);
        RelativeDifference(fusedGradient, torchGradient).ShouldBeLessThan(1e-4);
    }

    [Fact]
    public void A_broadcast_gradient_such_as_a_sums_is_taken_as_well()
    {
        // The gradient of sum() reaches the layer expanded from a scalar (stride 0), not contiguous.
        var settings = Hyper(LrnConvention.Paper, 5, 0.5);
        using var scope = NewDisposeScope();
        Tensor Gradient(KernelImplementation implementation)
        {
            using var lrn = new Lrn(settings, 2, implementation);
            var input = Activations(Small, seed: 4).requires_grad_();
            lrn.forward(input).sum().backward();
            return input.grad!.clone();
        }

        RelativeDifference(Gradient(KernelImplementation.Fused), Gradient(KernelImplementation.LibTorch)).ShouldBeLessThan(1e-4);
    }

    [Theory]
    [InlineData(5, 2)]
    [InlineData(3, 1)]
    [InlineData(4, 2)]
    public void Gradient_matches_finite_differences_of_the_formula_in_double(int size, int groups)
    {
        // alpha large enough that the cross-channel term is as big as the direct one.
        const double alpha = 0.5, beta = 0.75, k = 1;
        long[] shape = [1, 6, 2, 3];
        using var scope = NewDisposeScope();
        var input = Activations(shape, seed: 21).requires_grad_();
        var weights = randn(shape, generator: new Generator(22));
        var output = FusedLrn.Apply(input, size, alpha, beta, k, groups);
        var analytic = autograd.grad([output], [input], [weights])[0].data<float>().ToArray();

        double[] a = input.detach().data<float>().ToArray().Select(x => (double)x).ToArray();
        double[] w = weights.data<float>().ToArray().Select(x => (double)x).ToArray();
        double Loss(double[] x) => Reference(x, shape, size, alpha, beta, k, groups).Zip(w, (b, g) => b * g).Sum();

        const double h = 1e-6;
        double[] numeric = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            double original = a[i];
            a[i] = original + h;
            double up = Loss(a);
            a[i] = original - h;
            double down = Loss(a);
            a[i] = original;
            numeric[i] = (up - down) / (2 * h);
        }

        double scale = numeric.Max(Math.Abs);
        for (int i = 0; i < a.Length; i++)
        {
            Math.Abs(analytic[i] - numeric[i]).ShouldBeLessThan(1e-5 * scale, $"element {i}");
        }
    }

    [Fact]
    public void Without_gradients_the_forward_is_the_same()
    {
        var settings = Hyper(LrnConvention.Paper, 5, 0.5);
        using var scope = NewDisposeScope();
        using var lrn = new Lrn(settings, 2);
        var input = Activations(Small, seed: 8);
        var plain = lrn.forward(input);
        Tensor traced;
        using (var _ = enable_grad())
        {
            traced = lrn.forward(input.clone().requires_grad_());
        }

        traced.requires_grad.ShouldBeTrue();
        plain.requires_grad.ShouldBeFalse();
        plain.eq(traced.detach()).all().item<bool>().ShouldBeTrue();
    }

    [Fact]
    public void Tensors_it_cannot_take_go_to_libtorch_and_give_the_same_result()
    {
        var settings = Hyper(LrnConvention.Paper, 5, 0.5);
        using var scope = NewDisposeScope();
        using var fused = new Lrn(settings, 2);
        using var torch = new Lrn(settings, 2, KernelImplementation.LibTorch);
        var input = Activations(Small, seed: 9);

        var asDouble = input.to(ScalarType.Float64);
        FusedLrn.Supports(asDouble, 2).ShouldBeFalse();
        RelativeDifference(fused.forward(asDouble), torch.forward(asDouble)).ShouldBe(0);

        // Neither contiguous nor channels last.
        var strided = input.transpose(2, 3);
        FusedLrn.Supports(strided, 2).ShouldBeFalse();
        RelativeDifference(fused.forward(strided), torch.forward(strided)).ShouldBe(0);

        FusedLrn.Supports(input, 5).ShouldBeFalse();
        Should.Throw<ArgumentException>(() => FusedLrn.Apply(asDouble, 5, 1e-4, 0.75, 2, 1));
    }

    [Fact]
    public void Lrn_is_fused_by_default_and_can_be_switched()
    {
        using var lrn = new Lrn(new LrnHyperparameters(), 2);
        lrn.Implementation.ShouldBe(KernelImplementation.Fused);
        lrn.SumCoefficient.ShouldBe(1e-4);
        KernelSwitch.Use<Lrn>(lrn, KernelImplementation.LibTorch).ShouldBe(1);
        lrn.Implementation.ShouldBe(KernelImplementation.LibTorch);
    }

    [Fact]
    public void A_small_alexnet_computes_the_same_logits_and_gradients_with_either_lrn()
    {
        // Strong LRN and std 0.1 weights so both LRN layers shape the logits (see AlexNetTests).
        var model = new ModelHyperparameters
        {
            WidthMultiplier = 0.125,
            InputSize = 67,
            Dropout = 0,
            Lrn = new LrnHyperparameters { Alpha = 1.0 },
            Init = new InitHyperparameters { WeightStd = 0.1 },
        };
        using var net = AlexNetModel.Create(model, 10, seed: 7);
        using var scope = NewDisposeScope();
        var images = randn(4, 3, 67, 67, generator: new Generator(3));
        var labels = tensor(new long[] { 1, 3, 5, 7 });

        (Tensor Logits, Tensor[] Gradients) Run(KernelImplementation implementation)
        {
            KernelSwitch.Use<Lrn>(net, implementation).ShouldBe(2);
            net.zero_grad();
            var logits = net.forward(images);
            nn.functional.cross_entropy(logits, labels).backward();
            return (logits.detach(), net.parameters().Select(p => p.grad!.clone()).ToArray());
        }

        var (fusedLogits, fusedGradients) = Run(KernelImplementation.Fused);
        var (torchLogits, torchGradients) = Run(KernelImplementation.LibTorch);

        MaxAbsDifference(fusedLogits, torchLogits).ShouldBeLessThan(1e-5);
        for (int i = 0; i < fusedGradients.Length; i++)
        {
            RelativeDifference(fusedGradients[i], torchGradients[i]).ShouldBeLessThan(1e-4, $"parameter {i}");
        }
    }

    private static LrnHyperparameters Hyper(LrnConvention convention, int size, double alpha) =>
        new() { Convention = convention, Size = size, Alpha = alpha, K = 2, Beta = 0.75 };

    /// <summary>Post-ReLU-like activations: a third exactly zero, a few large, so both terms of the gradient show.</summary>
    private static Tensor Activations(long[] shape, int seed) =>
        (randn(shape, generator: new Generator((ulong)seed)) * 3).relu();

    private static (Tensor Output, Tensor Gradient) ForwardBackward(
        LrnHyperparameters settings, int groups, KernelImplementation implementation, long[] shape, int seed, Tensor? weights = null)
    {
        using var lrn = new Lrn(settings, groups, implementation);
        var input = Activations(shape, seed).requires_grad_();
        weights ??= randn(shape, generator: new Generator((ulong)seed + 1000));
        var output = lrn.forward(input);
        var gradient = autograd.grad([output], [input], [weights])[0];
        return (output.detach(), gradient);
    }

    private static double[] Reference(Tensor input, int size, double coefficient, double beta, double k, int groups) =>
        Reference(input.data<float>().ToArray().Select(x => (double)x).ToArray(), input.shape, size, coefficient, beta, k, groups);

    /// <summary>b = a / (k + alpha * sum a^2)^beta over channels c - n/2 .. c + (n-1)/2 of c's group, in double.</summary>
    private static double[] Reference(double[] a, long[] shape, int size, double coefficient, double beta, double k, int groups)
    {
        int samples = (int)shape[0], channels = (int)shape[1], plane = (int)(shape[2] * shape[3]);
        int perGroup = channels / groups;
        var b = new double[a.Length];
        for (int n = 0; n < samples; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                int first = c / perGroup * perGroup, last = first + perGroup - 1;
                int from = Math.Max(first, c - (size / 2)), to = Math.Min(last, c + ((size - 1) / 2));
                for (int p = 0; p < plane; p++)
                {
                    double sum = 0;
                    for (int j = from; j <= to; j++)
                    {
                        double x = a[(((n * channels) + j) * plane) + p];
                        sum += x * x;
                    }

                    int at = (((n * channels) + c) * plane) + p;
                    b[at] = a[at] / Math.Pow(k + (coefficient * sum), beta);
                }
            }
        }

        return b;
    }

    private static double RelativeDifference(Tensor actual, Tensor expected) =>
        MaxAbsDifference(actual, expected) / expected.to(ScalarType.Float64).abs().max().item<double>();

    private static double MaxAbsDifference(Tensor a, Tensor b) =>
        (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max().item<double>();
}
