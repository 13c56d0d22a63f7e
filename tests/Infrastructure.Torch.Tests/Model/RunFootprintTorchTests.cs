using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Torch.Model;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Model;

/// <summary>The footprint estimate (pure arithmetic in Domain) against the network TorchSharp actually builds and runs.</summary>
public sealed class RunFootprintTorchTests
{
    private static readonly string[] Traced = ["conv1", "lrn1", "pool1", "conv2", "lrn2", "pool2", "conv3", "conv4", "conv5", "pool5", "fc6", "fc7", "fc8"];

    public static TheoryData<string, ModelHyperparameters> Models() => new()
    {
        { "quickstart", new ModelHyperparameters { WidthMultiplier = 0.25, InputSize = 67 } },
        { "one tower", new ModelHyperparameters { WidthMultiplier = 0.25, InputSize = 67, Towers = 1 } },
        { "pooling 2/2", new ModelHyperparameters { WidthMultiplier = 0.25, InputSize = 99, Pooling = new PoolingHyperparameters { Kernel = 2, Stride = 2 } } },
        { "pooling 1/1", new ModelHyperparameters { WidthMultiplier = 0.125, InputSize = 35, Pooling = new PoolingHyperparameters { Kernel = 1, Stride = 1 } } },
        { "no lrn", new ModelHyperparameters { WidthMultiplier = 0.25, InputSize = 67, Lrn = new LrnHyperparameters { Enabled = false } } },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void The_estimate_counts_every_layer_output_and_parameter_of_the_built_network(string name, ModelHyperparameters model)
    {
        const int classes = 10;
        // Shapes from TorchSharp's own layers (traced on the meta device); parameters from a network built on the CPU.
        var layers = new TorchModelInspector().Describe(model, classes).Layers
            .Where(l => model.Lrn.Enabled || !l.Name.StartsWith("lrn", StringComparison.Ordinal))
            .ToList();
        using var net = AlexNetModel.Create(model, classes, seed: 1);

        layers.Select(l => l.Name).ShouldBe(Traced.Where(t => model.Lrn.Enabled || !t.StartsWith("lrn", StringComparison.Ordinal)), name);
        RunFootprint.ActivationsPerSample(model, classes).ShouldBe(layers.Sum(l => l.OutputShape.Aggregate(1L, (a, b) => a * b)), name);
        RunFootprint.ParameterCount(model, classes).ShouldBe(net.parameters().Sum(p => p.numel()), name);
    }

    [Fact]
    public void The_estimated_parameters_of_the_full_size_net_match_the_built_one()
    {
        var summary = new TorchModelInspector().Describe(new ModelHyperparameters(), 1000);
        RunFootprint.ParameterCount(new ModelHyperparameters(), 1000).ShouldBe(summary.TotalParameters);
        RunFootprint.ActivationsPerSample(new ModelHyperparameters(), 1000).ShouldBe(summary.Layers.Sum(l => l.OutputShape.Aggregate(1L, (a, b) => a * b)));
    }
}
