namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>How <see cref="Lrn"/> and <see cref="MaxPool"/> compute; both ways give the same function (max pooling: the same bits).</summary>
public enum KernelImplementation
{
    /// <summary>The fused C# kernel where it applies (contiguous float32 on the CPU), libtorch elsewhere.</summary>
    Fused,

    /// <summary>libtorch's everywhere; on the CPU several times slower than Fused, kept for comparison.</summary>
    LibTorch,
}
