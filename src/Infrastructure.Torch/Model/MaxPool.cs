using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>Max pooling over k x k windows at stride s: <see cref="FusedMaxPool"/> where it applies, libtorch's elsewhere (CUDA, meta).</summary>
public sealed class MaxPool : nn.Module<Tensor, Tensor>, ISwitchableKernel
{
    public MaxPool(int kernel, int stride) : base(nameof(MaxPool))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        Kernel = kernel;
        Stride = stride;
    }

    public int Kernel { get; }

    public int Stride { get; }

    /// <summary>Settable so a built network can be switched for comparisons.</summary>
    public KernelImplementation Implementation { get; set; }

    public override Tensor forward(Tensor input) =>
        Implementation == KernelImplementation.Fused && FusedMaxPool.Supports(input, Kernel, Stride)
            ? FusedMaxPool.Apply(input, Kernel, Stride)
            : nn.functional.max_pool2d(input, Kernel, Stride);
}
