using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Model;

/// <summary>On the CPU the network computes channels last from conv1 to pool5, and that is the same function as contiguous.</summary>
public sealed class ActivationLayoutTests
{
    // Width 0.25: 24 and 64 channels, vectors and tails in the fused kernels; 99 pixels leave pool5 2 x 2; std 0.1 so every layer shows.
    private static readonly ModelHyperparameters Model = new()
    {
        WidthMultiplier = 0.25,
        InputSize = 99,
        Dropout = 0,
        Lrn = new LrnHyperparameters { Alpha = 1.0 },
        Init = new InitHyperparameters { WeightStd = 0.1 },
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_convolutional_layer_is_channels_last_and_the_function_is_the_contiguous_one(int devices)
    {
        var model = Model with { Devices = devices == 1 ? ["cpu"] : ["cpu", "cpu"] };
        using var net = AlexNetModel.Create(model, 10, seed: 5);
        using var scope = NewDisposeScope();
        var images = randn(4, 3, 99, 99, generator: new Generator(4));
        var labels = tensor(new long[] { 0, 2, 4, 9 });

        var layouts = new List<(string Layer, bool ChannelsLast)>();
        net.Trace(images, (layer, output, _, _) =>
        {
            if (output.dim() == 4)
            {
                layouts.Add((layer, !output.is_contiguous() && ChannelsLast.Is(output)));
            }
        });
        layouts.Count.ShouldBe(devices == 1 ? 10 : 20);
        layouts.Where(l => !l.ChannelsLast).Select(l => l.Layer).ShouldBeEmpty();

        (Tensor Logits, Tensor[] Gradients) Run(ActivationLayout layout)
        {
            net.Layout = layout;
            net.zero_grad();
            var logits = net.forward(images);
            nn.functional.cross_entropy(logits, labels).backward();
            return (logits.detach(), [.. net.parameters().Select(p => p.grad!.clone())]);
        }

        var (channelsLast, channelsLastGradients) = Run(ActivationLayout.ChannelsLast);
        var (contiguous, contiguousGradients) = Run(ActivationLayout.Contiguous);

        RelativeDifference(channelsLast, contiguous).ShouldBeLessThan(1e-5);
        for (int i = 0; i < contiguousGradients.Length; i++)
        {
            RelativeDifference(channelsLastGradients[i], contiguousGradients[i]).ShouldBeLessThan(1e-4, $"parameter {i}");
        }
    }

    [Fact]
    public void A_channels_last_step_is_bit_for_bit_the_same_when_repeated()
    {
        using var scope = NewDisposeScope();
        var images = randn(4, 3, 99, 99, generator: new Generator(6));
        var labels = tensor(new long[] { 1, 1, 3, 8 });

        int[] Gradients()
        {
            using var net = AlexNetModel.Create(Model, 10, seed: 5);
            nn.functional.cross_entropy(net.forward(images), labels).backward();
            return [.. net.parameters().SelectMany(p => p.grad!.contiguous().data<float>().ToArray()).Select(BitConverter.SingleToInt32Bits)];
        }

        Gradients().ShouldBe(Gradients());
    }

    private static double RelativeDifference(Tensor a, Tensor b) =>
        (a - b).abs().max().item<float>() / Math.Max(1e-12, b.abs().max().item<float>());
}
