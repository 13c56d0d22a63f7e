using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>Multiplies by a fixed factor: what stands in for a removed LRN layer that should keep its activation scale.</summary>
public sealed class ConstantScale(double factor) : nn.Module<Tensor, Tensor>(nameof(ConstantScale))
{
    public double Factor { get; } = factor;

    public override Tensor forward(Tensor input) => input.mul(Factor);
}
