using TorchSharp;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>How <see cref="Lrn"/> and <see cref="MaxPool"/> compute; both ways give the same function (max pooling: the same bits).</summary>
public enum KernelImplementation
{
    /// <summary>The fused C# kernel where it applies (contiguous float32 on the CPU), libtorch elsewhere.</summary>
    Fused,

    /// <summary>libtorch's everywhere; on the CPU several times slower than Fused, kept for comparison.</summary>
    LibTorch,
}

/// <summary>A layer whose computation can be switched between <see cref="KernelImplementation"/>s on a built network.</summary>
public interface ISwitchableKernel
{
    KernelImplementation Implementation { get; set; }
}

public static class KernelSwitch
{
    /// <summary>Sets <paramref name="implementation"/> on every <typeparamref name="TLayer"/> in <paramref name="model"/>; returns how many it found.</summary>
    public static int Use<TLayer>(torch.nn.Module model, KernelImplementation implementation)
        where TLayer : ISwitchableKernel
    {
        ArgumentNullException.ThrowIfNull(model);
        var layers = model.modules().Prepend(model).OfType<TLayer>().Distinct().ToList();
        foreach (var layer in layers)
        {
            layer.Implementation = implementation;
        }

        return layers.Count;
    }
}
