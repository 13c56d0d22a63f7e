using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Model;

public sealed class TorchModelInspectorTests
{
    private readonly TorchModelInspector inspector = new();

    [Fact]
    public void Describes_the_full_size_grouped_net()
    {
        var summary = inspector.Describe(new ModelHyperparameters(), 1000);

        summary.TotalParameters.ShouldBe(60_965_224);
        summary.Layers.Sum(l => l.Parameters).ShouldBe(summary.TotalParameters);
        summary.Layers.Select(l => l.Name).ShouldBe(
            ["conv1", "lrn1", "pool1", "conv2", "lrn2", "pool2", "conv3", "conv4", "conv5", "pool5", "fc6", "fc7", "fc8"]);
        var layers = summary.Layers.ToDictionary(l => l.Name);
        layers["conv1"].OutputShape.ShouldBe([1L, 96L, 55L, 55L]);
        layers["pool1"].OutputShape.ShouldBe([1L, 96L, 27L, 27L]);
        layers["pool2"].OutputShape.ShouldBe([1L, 256L, 13L, 13L]);
        layers["conv3"].OutputShape.ShouldBe([1L, 384L, 13L, 13L]);
        layers["pool5"].OutputShape.ShouldBe([1L, 256L, 6L, 6L]);
        layers["fc8"].OutputShape.ShouldBe([1L, 1000L]);
        layers["fc6"].Parameters.ShouldBe((9216L * 4096) + 4096);
        summary.Layers.ShouldAllBe(l => l.Device == "cpu");
    }

    [Fact]
    public void Describes_each_tower_of_a_two_device_plan_on_its_device()
    {
        // Planned GPUs need not exist to describe the plan: nothing is allocated.
        var summary = inspector.Describe(new ModelHyperparameters { Devices = ["cuda:0", "cuda:1"] }, 1000);

        summary.TotalParameters.ShouldBe(60_965_224);
        var layers = summary.Layers.ToDictionary(l => l.Name);
        layers["conv1.A"].OutputShape.ShouldBe([1L, 48L, 55L, 55L]);
        layers["conv1.A"].Device.ShouldBe("cuda:0");
        layers["conv3.B"].OutputShape.ShouldBe([1L, 192L, 13L, 13L]);
        layers["conv3.B"].Parameters.ShouldBe((256L * 9 * 192) + 192);
        layers["fc7.B"].Device.ShouldBe("cuda:1");
        layers["fc8"].Device.ShouldBe("cuda:0");
    }

    public static TheoryData<string, ModelHyperparameters> SmallNets() => new()
    {
        { "grouped", new ModelHyperparameters { WidthMultiplier = 0.125, InputSize = 67 } },
        { "two towers", new ModelHyperparameters { WidthMultiplier = 0.125, InputSize = 67, Devices = ["cpu", "cpu"] } },
        { "one tower", new ModelHyperparameters { WidthMultiplier = 0.125, InputSize = 67, Towers = 1 } },
        {
            "tanh, no lrn, z=s=2", new ModelHyperparameters
            {
                WidthMultiplier = 0.125, InputSize = 99, Activation = Activation.Tanh,
                Lrn = new LrnHyperparameters { Enabled = false }, Pooling = new PoolingHyperparameters { Kernel = 2, Stride = 2 },
            }
        },
    };

    [Theory]
    [MemberData(nameof(SmallNets))]
    public void Describes_small_nets_as_they_are_built_and_run(string label, ModelHyperparameters model)
    {
        var summary = inspector.Describe(model, 10);

        using var net = AlexNetModel.Create(model, 10, seed: 1);
        net.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var image = zeros(1, 3, model.InputSize, model.InputSize);
        summary.TotalParameters.ShouldBe(net.parameters().Sum(p => p.numel()), label);
        summary.Layers[^1].OutputShape.ShouldBe(net.forward(image).shape, label);
        summary.Layers.Where(l => l.Name.StartsWith("fc7", StringComparison.Ordinal)).Sum(l => l.OutputShape[1])
            .ShouldBe(net.Fc7Features(image).shape[1], label);

        var geometry = AlexNetGeometry.For(model);
        var conv1 = summary.Layers.First(l => l.Name.StartsWith("conv1", StringComparison.Ordinal)).OutputShape;
        conv1.Skip(2).ShouldBe([geometry.Conv1Output, geometry.Conv1Output], label);
        var pool5 = summary.Layers.Where(l => l.Name.StartsWith("pool5", StringComparison.Ordinal)).ToList();
        pool5.Sum(l => l.OutputShape[1]).ShouldBe(geometry.Conv5, label);
        pool5[0].OutputShape.Skip(2).ShouldBe([geometry.Pool5Output, geometry.Pool5Output], label);
    }

    [Fact]
    public void Rejects_invalid_plans()
    {
        Should.Throw<ArgumentException>(() => inspector.Describe(new ModelHyperparameters { InputSize = 30 }, 10));
    }
}
