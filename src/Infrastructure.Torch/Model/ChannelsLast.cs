using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>
/// The channels-last memory format (N x H x W x C in memory, still N x C x H x W in shape) that libtorch's CPU
/// convolutions compute fastest in. TorchSharp has no memory_format arguments, so it is made and recognised by permutes.
/// </summary>
internal static class ChannelsLast
{
    /// <summary>Whether <paramref name="tensor"/> (N x C x H x W) is laid out channels last, contiguously.</summary>
    public static bool Is(Tensor tensor)
    {
        if (tensor.dim() != 4)
        {
            return false;
        }

        using var memory = tensor.permute(0, 2, 3, 1);
        return memory.is_contiguous();
    }

    /// <summary><paramref name="tensor"/> itself when already channels last, else a channels-last copy.</summary>
    public static Tensor Of(Tensor tensor)
    {
        if (Is(tensor))
        {
            return tensor;
        }

        using var memory = tensor.permute(0, 2, 3, 1).contiguous();
        return memory.permute(0, 3, 1, 2);
    }

    /// <summary>An uninitialised float32 channels-last tensor of shape N x C x H x W, and its memory viewed as N x H x W x C.</summary>
    public static (Tensor Tensor, Tensor Memory) Empty(long samples, long channels, long height, long width)
    {
        var memory = empty([samples, height, width, channels], ScalarType.Float32);
        return (memory.permute(0, 3, 1, 2), memory);
    }

    /// <summary>A channels-last tensor's memory as a contiguous N x H x W x C view.</summary>
    public static Tensor Memory(Tensor tensor) => tensor.permute(0, 2, 3, 1);
}
