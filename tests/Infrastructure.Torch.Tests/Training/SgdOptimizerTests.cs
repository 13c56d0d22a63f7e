using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Training;

public sealed class SgdOptimizerTests
{
    private const double Momentum = 0.9, WeightDecay = 0.01;

    // Three steps at 0.1, then the schedule divides by ten.
    private static readonly double[] Rates = [0.1, 0.1, 0.1, 0.01, 0.01, 0.01];

    private static readonly double[][] Initial = [[1.0, -2.0, 0.5], [0.3, 0.7, -0.1, 2.0]];

    [Theory]
    [InlineData(UpdateRule.Paper)]
    [InlineData(UpdateRule.PyTorch)]
    public void Each_rule_follows_its_formula(UpdateRule rule)
    {
        var actual = Train(rule, Rates.Length);

        var expected = ByHand(rule, Rates.Length);
        for (int p = 0; p < Initial.Length; p++)
        {
            actual[p].Length.ShouldBe(expected[p].Length);
            for (int i = 0; i < expected[p].Length; i++)
            {
                actual[p][i].ShouldBe(expected[p][i], 1e-12);
            }
        }
    }

    [Fact]
    public void The_rules_agree_while_the_learning_rate_is_constant_and_part_after_it_drops()
    {
        MaxDifference(Train(UpdateRule.Paper, 3), Train(UpdateRule.PyTorch, 3)).ShouldBeLessThan(1e-6);

        // After the drop the paper's velocity still carries m * v from the old rate: a gap of order m * lr * |g|.
        MaxDifference(Train(UpdateRule.Paper, Rates.Length), Train(UpdateRule.PyTorch, Rates.Length)).ShouldBeGreaterThan(1e-2);
    }

    [Theory]
    [InlineData(UpdateRule.Paper)]
    [InlineData(UpdateRule.PyTorch)]
    public void A_parameter_without_a_gradient_is_not_decayed(UpdateRule rule)
    {
        using var scope = NewDisposeScope();
        var trained = new Parameter(tensor(Initial[0]));
        var frozen = new Parameter(tensor(Initial[1]));
        using var optimizer = new SgdOptimizer([trained, frozen], Settings(rule));

        for (int step = 0; step < 3; step++)
        {
            optimizer.ZeroGrad();
            (trained * tensor(Gradient(0, step))).sum().backward();
            optimizer.Step(0.1);
        }

        frozen.data<double>().ToArray().ShouldBe(Initial[1]);
        trained.data<double>().ToArray().ShouldNotBe(Initial[0]);
    }

    [Fact]
    public void Velocities_saved_and_loaded_continue_the_same_trajectory()
    {
        using var scope = NewDisposeScope();
        var original = Initial.Select(v => new Parameter(tensor(v))).ToList();
        using var optimizer = new SgdOptimizer(original, Settings(UpdateRule.Paper));
        for (int step = 0; step < 3; step++)
        {
            Step(optimizer, original, step);
        }

        using var stream = new MemoryStream();
        optimizer.Save(new BinaryWriter(stream));
        stream.Position = 0;
        var resumed = original.Select(p => new Parameter(p.detach().clone())).ToList();
        using var restored = new SgdOptimizer(resumed, Settings(UpdateRule.Paper));
        restored.Load(new BinaryReader(stream));

        for (int step = 3; step < Rates.Length; step++)
        {
            Step(optimizer, original, step);
            Step(restored, resumed, step);
        }

        for (int p = 0; p < original.Count; p++)
        {
            resumed[p].data<double>().ToArray().ShouldBe(original[p].data<double>().ToArray());
        }
    }

    [Theory]
    [InlineData(UpdateRule.Paper)]
    [InlineData(UpdateRule.PyTorch)]
    public void Summing_slice_gradients_on_the_workers_in_blocks_equals_the_update_from_their_sum(UpdateRule rule)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(6);
        // 700 x 900 values: three blocks of rows; the bias is one block; three slices' gradients.
        long[][] shapes = [[700, 900], [700]];
        var sets = Enumerable.Range(0, 3).Select(_ => shapes.Select(s => randn(s, generator: generator)).ToArray()).ToList();
        var start = shapes.Select(s => randn(s, generator: generator)).ToArray();

        var serial = start.Select(w => new Parameter(w.clone())).ToList();
        var blocked = start.Select(w => new Parameter(w.clone())).ToList();
        using var serialOptimizer = new SgdOptimizer(serial, Settings(rule));
        using var blockedOptimizer = new SgdOptimizer(blocked, Settings(rule));
        for (int step = 0; step < 2; step++)
        {
            var sum = sets[0].Select((g, i) => g + sets[1][i] + sets[2][i]).ToArray(); // in set order, as the blocks add
            serialOptimizer.Step(Rates[step], sum);
            blockedOptimizer.Step(Rates[step], [.. sets.Select(set => set.Select(g => g.clone()).ToArray())]);
        }

        for (int p = 0; p < shapes.Length; p++)
        {
            blocked[p].bytes.ToArray().ShouldBe(serial[p].bytes.ToArray(), $"parameter {p}");
        }
    }

    [Fact]
    public void Loading_velocities_for_a_different_parameter_count_throws()
    {
        using var scope = NewDisposeScope();
        using var two = new SgdOptimizer(Initial.Select(v => new Parameter(tensor(v))).ToList(), Settings(UpdateRule.Paper));
        using var stream = new MemoryStream();
        two.Save(new BinaryWriter(stream));
        stream.Position = 0;

        using var one = new SgdOptimizer([new Parameter(tensor(Initial[0]))], Settings(UpdateRule.Paper));
        Should.Throw<InvalidDataException>(() => one.Load(new BinaryReader(stream)));
    }

    private static OptimizerHyperparameters Settings(UpdateRule rule) =>
        new() { UpdateRule = rule, Momentum = Momentum, WeightDecay = WeightDecay };

    /// <summary>A fixed, step-dependent gradient, so the hand computation needs no model.</summary>
    private static double[] Gradient(int parameter, int step) =>
        Initial[parameter].Select((_, i) => Math.Sin(1 + i + (3 * parameter) + (0.7 * step))).ToArray();

    /// <summary>d/dw sum(w * g) = g exactly, which sets the gradient without reaching into autograd.</summary>
    private static void Step(SgdOptimizer optimizer, IReadOnlyList<Parameter> parameters, int step)
    {
        optimizer.ZeroGrad();
        for (int p = 0; p < parameters.Count; p++)
        {
            (parameters[p] * tensor(Gradient(p, step))).sum().backward();
        }

        optimizer.Step(Rates[step]);
    }

    private static double[][] Train(UpdateRule rule, int steps)
    {
        using var scope = NewDisposeScope();
        var parameters = Initial.Select(v => new Parameter(tensor(v))).ToList();
        using var optimizer = new SgdOptimizer(parameters, Settings(rule));
        for (int step = 0; step < steps; step++)
        {
            Step(optimizer, parameters, step);
        }

        return parameters.Select(p => p.data<double>().ToArray()).ToArray();
    }

    private static double[][] ByHand(UpdateRule rule, int steps)
    {
        var weights = Initial.Select(w => (double[])w.Clone()).ToArray();
        var velocities = Initial.Select(w => new double[w.Length]).ToArray();
        for (int step = 0; step < steps; step++)
        {
            double lr = Rates[step];
            for (int p = 0; p < weights.Length; p++)
            {
                var g = Gradient(p, step);
                for (int i = 0; i < g.Length; i++)
                {
                    ref double w = ref weights[p][i];
                    ref double v = ref velocities[p][i];
                    if (rule == UpdateRule.Paper)
                    {
                        v = (Momentum * v) - (WeightDecay * lr * w) - (lr * g[i]);
                        w += v;
                    }
                    else
                    {
                        v = (Momentum * v) + g[i] + (WeightDecay * w);
                        w -= lr * v;
                    }
                }
            }
        }

        return weights;
    }

    private static double MaxDifference(double[][] a, double[][] b) =>
        a.Zip(b, (x, y) => x.Zip(y, (p, q) => Math.Abs(p - q)).Max()).Max();
}
