namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>How an <see cref="AlexNetModel"/> lays out its activations in memory on the CPU (elsewhere they stay contiguous).</summary>
public enum ActivationLayout
{
    /// <summary>N x H x W x C in memory: libtorch's CPU convolutions and the fused kernels are faster this way.</summary>
    ChannelsLast,

    /// <summary>N x C x H x W in memory, libtorch's default; kept for comparison.</summary>
    Contiguous,
}
