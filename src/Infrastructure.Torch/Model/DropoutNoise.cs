using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>Dropout's noise for fc6's and fc7's outputs (batch x units, every tower's units in canonical order).</summary>
public sealed record DropoutNoise(Tensor Hidden6, Tensor Hidden7)
{
    /// <summary>The noise of images <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1 of the batch.</summary>
    public DropoutNoise Rows(long start, long count) => new(Hidden6.narrow(0, start, count), Hidden7.narrow(0, start, count));
}
