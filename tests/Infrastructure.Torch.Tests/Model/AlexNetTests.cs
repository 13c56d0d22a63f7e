using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Model;

public sealed class AlexNetTests
{
    private const long PaperParameters = 60_965_224;

    private static readonly ModelHyperparameters Small = new() { WidthMultiplier = 0.125, InputSize = 67, Dropout = 0 };

    [Fact]
    public void Full_size_grouped_net_has_the_papers_parameter_count_and_shapes()
    {
        using var net = AlexNetModel.Create(new ModelHyperparameters(), 1000, seed: 1);
        net.eval();
        CountParameters(net).ShouldBe(PaperParameters);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var image = randn(1, 3, 227, 227);
        var logits = net.forward(image);
        logits.shape.ShouldBe([1L, 1000L]);
        logits.isnan().any().item<bool>().ShouldBeFalse();

        var conv1 = (nn.Module<Tensor, Tensor>)net.named_modules().Single(m => m.name.EndsWith("conv1", StringComparison.Ordinal)).module;
        conv1.forward(image).shape.ShouldBe([1L, 96L, 55L, 55L]);
    }

    [Fact]
    public void Full_size_two_tower_net_has_the_papers_parameter_count()
    {
        using var net = AlexNetModel.Create(new ModelHyperparameters { Devices = ["cpu", "cpu"] }, 1000, seed: 1);
        CountParameters(net).ShouldBe(PaperParameters);
        net.ShardedParameters().ShouldAllBe(p => p.Shards.Count == (p.Name.StartsWith("fc8", StringComparison.Ordinal) ? 1 : 2));
    }

    [Fact]
    public void Single_tower_net_has_the_papers_one_gpu_parameter_count()
    {
        // The paper's one-GPU comparison: half the kernels in conv1-conv4, conv5 and the FC layers as in the two-GPU net.
        static long Conv(long inputs, long outputs, long kernel) => (inputs * kernel * kernel * outputs) + outputs;
        static long Fc(long inputs, long outputs) => (inputs * outputs) + outputs;
        long expected = Conv(3, 48, 11) + Conv(48, 128, 5) + Conv(128, 192, 3) + Conv(192, 192, 3) + Conv(192, 256, 3)
            + Fc(256 * 6 * 6, 4096) + Fc(4096, 4096) + Fc(4096, 1000);

        using var net = AlexNetModel.Create(new ModelHyperparameters { Towers = 1 }, 1000, seed: 1);
        CountParameters(net).ShouldBe(expected);
    }

    [Theory]
    [InlineData(1e-4)]
    [InlineData(10.0)] // strong enough that normalising across the tower boundary would show
    public void Grouped_and_two_tower_nets_compute_the_same_function_and_gradients(double lrnAlpha)
    {
        // At the paper's std 0.01 the signal fades layer by layer and the one-biases dominate, which would hide a
        // mismatch; std 0.1 keeps activations of order one so every layer's difference reaches the logits.
        var model = Small with { Lrn = new LrnHyperparameters { Alpha = lrnAlpha }, Init = new InitHyperparameters { WeightStd = 0.1 } };
        using var grouped = AlexNetModel.Create(model, 10, seed: 7);
        using var towers = AlexNetModel.Create(model with { Devices = ["cpu", "cpu"] }, 10, seed: 99);
        towers.LoadFrom(grouped);
        using var scope = NewDisposeScope();

        var images = randn(4, 3, 67, 67, generator: new Generator(3));
        var labels = tensor(new long[] { 1, 3, 5, 7 });
        var groupedLogits = grouped.forward(images);
        var towerLogits = towers.forward(images);
        MaxAbsDifference(groupedLogits, towerLogits).ShouldBeLessThan(1e-5);

        nn.functional.cross_entropy(groupedLogits, labels).backward();
        nn.functional.cross_entropy(towerLogits, labels).backward();
        foreach (var (g, t) in grouped.ShardedParameters().Zip(towers.ShardedParameters()))
        {
            t.Name.ShouldBe(g.Name);
            var towerGradient = cat(t.Shards.Select(s => s.grad!).ToArray(), 0);
            MaxAbsDifference(g.Shards[0].grad!, towerGradient).ShouldBeLessThan(1e-4, g.Name);
        }

        MaxAbsDifference(grouped.Fc7Features(images), towers.Fc7Features(images)).ShouldBeLessThan(1e-5);
    }

    [Fact]
    public void A_seed_gives_the_same_weights_whatever_the_device_plan()
    {
        using var grouped = AlexNetModel.Create(Small, 10, seed: 5);
        using var towers = AlexNetModel.Create(Small with { Devices = ["cpu", "cpu"] }, 10, seed: 5);
        using var scope = NewDisposeScope();
        foreach (var (g, t) in grouped.ShardedParameters().Zip(towers.ShardedParameters()))
        {
            Same(g.Shards[0], cat(t.Shards.ToArray(), 0)).ShouldBeTrue(g.Name);
        }
    }

    [Fact]
    public void Dropout_draws_from_the_generator_the_run_gives_it_and_eval_mode_draws_nothing()
    {
        var model = Small with { Dropout = 0.5, Init = new InitHyperparameters { WeightStd = 0.1 } };
        using var net = AlexNetModel.Create(model, 10, seed: 7);
        using var undropped = AlexNetModel.Create(model with { Dropout = 0 }, 10, seed: 7);
        using var scope = NewDisposeScope();
        var images = randn(4, 3, 67, 67, generator: new Generator(3));

        net.train();
        Should.Throw<InvalidOperationException>(() => net.forward(images)).Message.ShouldContain("DropoutGenerator");
        using var first = new Generator(11);
        using var again = new Generator(11);
        net.DropoutGenerator = first;
        var logits = net.forward(images);
        var next = net.forward(images);
        net.DropoutGenerator = again;
        Same(net.forward(images), logits).ShouldBeTrue("the same generator state gives the same masks");
        Same(next, logits).ShouldBeFalse("the generator moved on");

        net.eval();
        var state = again.get_state();
        var evaluated = net.forward(images);
        Same(again.get_state(), state).ShouldBeTrue("eval mode draws nothing");
        Same(evaluated, undropped.forward(images)).ShouldBeTrue("eval mode drops nothing");
    }

    [Fact]
    public void A_dropout_seed_drops_the_same_units_whatever_the_device_plan()
    {
        var model = Small with { Dropout = 0.5, Init = new InitHyperparameters { WeightStd = 0.1 } };
        using var grouped = AlexNetModel.Create(model, 10, seed: 7);
        using var towers = AlexNetModel.Create(model with { Devices = ["cpu", "cpu"] }, 10, seed: 7);
        using var groupedMasks = new Generator(11);
        using var towerMasks = new Generator(11);
        grouped.DropoutGenerator = groupedMasks;
        towers.DropoutGenerator = towerMasks;
        using var scope = NewDisposeScope();

        var images = randn(4, 3, 67, 67, generator: new Generator(3));
        var expected = grouped.forward(images);
        MaxAbsDifference(expected, towers.forward(images)).ShouldBeLessThan(1e-4);
        using var otherMasks = new Generator(12);
        towers.DropoutGenerator = otherMasks;
        MaxAbsDifference(expected, towers.forward(images)).ShouldBeGreaterThan(1e-2, "other masks change the logits");
    }

    [Fact]
    public void Copying_back_from_towers_restores_the_grouped_weights()
    {
        using var original = AlexNetModel.Create(Small, 10, seed: 1);
        using var towers = AlexNetModel.Create(Small with { Devices = ["cpu", "cpu"] }, 10, seed: 2);
        using var copy = AlexNetModel.Create(Small, 10, seed: 3);
        towers.LoadFrom(original);
        copy.LoadFrom(towers);
        ParametersEqual(original, copy).ShouldBeTrue();
    }

    [Fact]
    public void Loading_from_a_net_with_other_widths_throws()
    {
        using var small = AlexNetModel.Create(Small, 10, seed: 1);
        using var other = AlexNetModel.Create(Small, 12, seed: 1);
        Should.Throw<ArgumentException>(() => small.LoadFrom(other)).Message.ShouldContain("fc8");
    }

    // Float32 is what training runs and reaches the fused kernel; float64 reaches libtorch's local_response_norm.
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Lrn_in_the_papers_convention_matches_the_papers_formula(ScalarType dtype)
    {
        var settings = new LrnHyperparameters { Convention = LrnConvention.Paper, K = 2, Size = 5, Alpha = 1e-2, Beta = 0.75 };
        CheckLrn(settings, settings.Alpha, groups: 1, dtype);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Lrn_in_the_pytorch_convention_divides_alpha_by_n(ScalarType dtype)
    {
        var settings = new LrnHyperparameters { Convention = LrnConvention.PyTorch, K = 2, Size = 5, Alpha = 1e-2, Beta = 0.75 };
        CheckLrn(settings, settings.Alpha / settings.Size, groups: 1, dtype);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Grouped_lrn_normalises_each_tower_on_its_own(ScalarType dtype)
    {
        var settings = new LrnHyperparameters { Convention = LrnConvention.Paper, K = 1, Size = 5, Alpha = 1e-1, Beta = 0.75 };
        CheckLrn(settings, settings.Alpha, groups: 2, dtype);
    }

    [Fact]
    public void Weights_are_drawn_with_the_configured_std_and_biases_follow_the_paper()
    {
        using var net = AlexNetModel.Create(new ModelHyperparameters { WidthMultiplier = 0.25 }, 10, seed: 11);
        var parameters = net.ShardedParameters().ToDictionary(p => p.Name, p => p.Shards[0]);

        // fc6 has 2304 x 1024 weights here: enough for the sample std to be within 1% of 0.01.
        var fc6 = parameters["fc6.weight"];
        fc6.numel().ShouldBeGreaterThan(1_000_000);
        fc6.std().item<float>().ShouldBe(0.01f, 0.0005f);
        Math.Abs(fc6.mean().item<float>()).ShouldBeLessThan(1e-4f);

        foreach (var layer in new[] { "conv2", "conv4", "conv5", "fc6", "fc7" })
        {
            parameters[$"{layer}.bias"].eq(1f).all().item<bool>().ShouldBeTrue(layer);
        }

        foreach (var layer in new[] { "conv1", "conv3", "fc8" })
        {
            parameters[$"{layer}.bias"].eq(0f).all().item<bool>().ShouldBeTrue(layer);
        }
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("cpu,cpu")]
    public void LeCun_initialisation_scales_each_layer_by_its_own_fan_in_whatever_the_device_plan(string devices)
    {
        var model = new ModelHyperparameters
        {
            WidthMultiplier = 0.25, InputSize = 28, Conv1 = new Conv1Hyperparameters { Kernel = 5, Stride = 1, Padding = 2 },
            Init = new InitHyperparameters { Scheme = InitScheme.LeCun }, Devices = devices.Split(','),
        };
        using var net = AlexNetModel.Create(model, 10, seed: 5);
        var weights = net.ShardedParameters().Where(p => p.Name.EndsWith(".weight", StringComparison.Ordinal))
            .ToDictionary(p => p.Name, p => cat(p.Shards.Select(s => s.detach().flatten()).ToArray(), 0));

        // Fan-in per output unit, counted by hand from the geometry (24, 64, 96, 96, 64; fc 1024; pool5 2x2; two groups).
        var fanIn = new Dictionary<string, int>
        {
            ["conv1.weight"] = 3 * 5 * 5, ["conv2.weight"] = 12 * 5 * 5, ["conv3.weight"] = 64 * 3 * 3, ["conv4.weight"] = 48 * 3 * 3,
            ["conv5.weight"] = 48 * 3 * 3, ["fc6.weight"] = 64 * 2 * 2, ["fc7.weight"] = 1024, ["fc8.weight"] = 1024,
        };
        foreach (var (name, fan) in fanIn)
        {
            double expected = Math.Sqrt(1.0 / fan) / (name == "conv1.weight" ? 255 : 1); // conv1 reads pixels on the 0..255 scale
            // Each layer has at least 1,800 weights: the sample std is within 5% of the truth far beyond chance.
            weights[name].std().item<float>().ShouldBe((float)expected, (float)(0.05 * expected), name);
        }
    }

    [Theory]
    [InlineData(InitScheme.LeCun, 1.0)]
    [InlineData(InitScheme.He, 1.0 / 255)]
    public void Fan_in_schemes_give_conv1_the_std_for_its_pixel_scale(InitScheme scheme, double pixelScale)
    {
        var model = new ModelHyperparameters
        {
            WidthMultiplier = 0.25, InputSize = 28, PixelScale = pixelScale, Conv1 = new Conv1Hyperparameters { Kernel = 5, Stride = 1, Padding = 2 },
            Init = new InitHyperparameters { Scheme = scheme },
        };
        using var net = AlexNetModel.Create(model, 10, seed: 5);
        var weights = net.ShardedParameters().Where(p => p.Name.EndsWith(".weight", StringComparison.Ordinal))
            .ToDictionary(p => p.Name, p => cat(p.Shards.Select(s => s.detach().flatten()).ToArray(), 0));
        double gain = scheme == InitScheme.He ? 2 : 1;

        // conv1: 24 kernels of 3x5x5; fc7: 1024 x 1024. Pixels of 255 x pixelScale per intensity unit.
        double conv1 = Math.Sqrt(gain / 75) / (255 * pixelScale), fc7 = Math.Sqrt(gain / 1024);
        weights["conv1.weight"].std().item<float>().ShouldBe((float)conv1, (float)(0.05 * conv1));
        weights["fc7.weight"].std().item<float>().ShouldBe((float)fc7, (float)(0.05 * fc7));
    }

    [Fact]
    public void Without_one_biases_every_bias_is_zero()
    {
        var model = Small with { Init = new InitHyperparameters { OneBiasInHiddenLayers = false } };
        using var net = AlexNetModel.Create(model, 10, seed: 1);
        net.ShardedParameters().Where(p => p.Name.EndsWith(".bias", StringComparison.Ordinal))
            .ShouldAllBe(p => p.Shards.All(s => s.eq(0f).all().item<bool>()));
    }

    [Fact]
    public void The_same_seed_gives_the_same_parameters_and_another_seed_does_not()
    {
        using var a = AlexNetModel.Create(Small, 10, seed: 42);
        using var b = AlexNetModel.Create(Small, 10, seed: 42);
        using var c = AlexNetModel.Create(Small, 10, seed: 43);
        ParametersEqual(a, b).ShouldBeTrue();
        ParametersEqual(a, c).ShouldBeFalse();
    }

    [Fact]
    public void Creating_a_net_leaves_the_global_generator_alone()
    {
        using var scope = NewDisposeScope();
        manual_seed(123);
        var expected = rand(4);
        manual_seed(123);
        using var net = AlexNetModel.Create(Small, 10, seed: 1);
        rand(4).eq(expected).all().item<bool>().ShouldBeTrue();
    }

    [Fact]
    public void Tanh_nets_and_nets_without_lrn_run()
    {
        var model = Small with { Activation = Activation.Tanh, Lrn = new LrnHyperparameters { Enabled = false }, Pooling = new PoolingHyperparameters { Kernel = 2, Stride = 2 } };
        using var net = AlexNetModel.Create(model, 10, seed: 1);
        using var scope = NewDisposeScope();
        net.forward(randn(2, 3, 67, 67)).shape.ShouldBe([2L, 10L]);
        net.Fc7Features(randn(2, 3, 67, 67)).shape.ShouldBe([2L, 512L]);
    }

    /// <summary>
    /// Issue 23: "no LRN" should change the normalisation, not the activation scale. At the paper's alpha the LRN of moderate
    /// activations is within 0.1% of the constant k^-beta, which is what a removed LRN that keeps its scale multiplies by.
    /// </summary>
    [Fact]
    public void A_removed_lrn_that_keeps_its_scale_multiplies_by_lrns_own_scale()
    {
        var paper = new LrnHyperparameters();
        using var scope = NewDisposeScope();
        var activations = rand(2, 16, 5, 5).mul(2);
        using var lrn = new Lrn(paper, groups: 2);
        using var kept = new ConstantScale(Math.Pow(2, -0.75));
        var normalised = lrn.forward(activations);
        var scaled = kept.forward(activations);
        normalised.div(scaled.add(1e-12)).sub(1).abs().max().item<float>().ShouldBeLessThan(1e-3f);

        var model = Small with { Lrn = paper with { Enabled = false, KeepScaleWhenDisabled = true } };
        using var net = AlexNetModel.Create(model, 10, seed: 1);
        var scales = net.modules().OfType<ConstantScale>().ToList();
        scales.ShouldNotBeEmpty();
        scales.ShouldAllBe(s => Math.Abs(s.Factor - 0.5946035575013605) < 1e-12);
        using var withoutLrn = AlexNetModel.Create(Small with { Lrn = paper with { Enabled = false } }, 10, seed: 1);
        withoutLrn.modules().OfType<ConstantScale>().ShouldBeEmpty();
        withoutLrn.modules().OfType<Lrn>().ShouldBeEmpty();
    }

    public static TheoryData<string, ModelHyperparameters> InvalidPlans() => new()
    {
        { "Devices", new ModelHyperparameters { Devices = [] } },
        { "Devices", new ModelHyperparameters { Devices = ["cpu", "cpu", "cpu"] } },
        { "Two devices need two towers", new ModelHyperparameters { Towers = 1, Devices = ["cpu", "cpu"] } },
        { "Towers", new ModelHyperparameters { Towers = 3 } },
        { "too small", new ModelHyperparameters { InputSize = 40 } },
        { "is not a device name", new ModelHyperparameters { Devices = ["tpu"] } },
        { "not available", new ModelHyperparameters { Devices = ["cuda:7"] } },
    };

    [Theory]
    [MemberData(nameof(InvalidPlans))]
    public void Invalid_plans_are_rejected(string message, ModelHyperparameters model)
    {
        Should.Throw<ArgumentException>(() => AlexNetModel.Create(model, 10, seed: 1)).Message.ShouldContain(message);
    }

    [Fact]
    public void Class_count_must_be_positive()
    {
        Should.Throw<ArgumentException>(() => AlexNetModel.Create(Small, 0, seed: 1));
    }

    /// <summary>Against the formula in double; a 5x7 plane leaves a remainder after the fused kernel's vector lanes.</summary>
    private static void CheckLrn(LrnHyperparameters settings, double alpha, int groups, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var lrn = new Lrn(settings, groups);
        var input = randn(2, 8, 5, 7, generator: new Generator(17), dtype: dtype);
        FusedLrn.Supports(input, groups).ShouldBe(dtype == ScalarType.Float32);
        var actual = lrn.forward(input);
        actual.shape.ShouldBe(input.shape);
        actual.dtype.ShouldBe(dtype);

        double[] a = input.to(ScalarType.Float64).data<double>().ToArray();
        double[] b = actual.to(ScalarType.Float64).data<double>().ToArray();
        double tolerance = dtype == ScalarType.Float32 ? 1e-6 : 1e-12;
        int channels = 8, perGroup = channels / groups, plane = 5 * 7, half = settings.Size / 2;
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                int first = c / perGroup * perGroup, last = first + perGroup - 1;
                for (int p = 0; p < plane; p++)
                {
                    double sum = 0;
                    for (int j = Math.Max(first, c - half); j <= Math.Min(last, c + half); j++)
                    {
                        double v = a[(((n * channels) + j) * plane) + p];
                        sum += v * v;
                    }

                    int index = (((n * channels) + c) * plane) + p;
                    double expected = a[index] / Math.Pow(settings.K + (alpha * sum), settings.Beta);
                    Math.Abs(b[index] - expected).ShouldBeLessThanOrEqualTo(tolerance * Math.Abs(expected) + 1e-12);
                }
            }
        }
    }

    private static long CountParameters(AlexNetModel net) => net.parameters().Sum(p => p.numel());

    private static bool ParametersEqual(AlexNetModel a, AlexNetModel b) =>
        a.parameters().Zip(b.parameters()).All(pair => Same(pair.First, pair.Second));

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static double MaxAbsDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();
}
