using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Threading;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Training;

/// <summary>
/// A batch cut into near-equal slices of consecutive images (see Hyperparameters.BatchSlices), each computed on a
/// worker thread where libtorch computes alone, so a slice's arithmetic does not depend on the machine's cores.
/// </summary>
internal static class BatchSlices
{
    /// <summary>The first image and the image count of slice <paramref name="slice"/> of <paramref name="parts"/> of a batch of <paramref name="count"/>.</summary>
    public static (long Start, long Rows) Bounds(int count, int parts, int slice)
    {
        long start = (long)count * slice / parts;
        return (start, ((long)count * (slice + 1) / parts) - start);
    }

    /// <summary>The model's logits for <paramref name="input"/> without autograd, slice by slice on the workers, in batch order.</summary>
    public static Tensor Logits(AlexNetModel model, Tensor input, int slices)
    {
        int count = (int)input.shape[0], parts = Math.Min(slices, count);
        if (parts <= 1)
        {
            using var noGrad = no_grad();
            return model.forward(input.to(model.InputDevice));
        }

        using var alone = IntraOpThreads.Alone();
        var logits = new Tensor[parts];
        try
        {
            TorchWorkers.RunEachOnWorker(parts, slice =>
            {
                var (start, rows) = Bounds(count, parts, slice);
                using var noGrad = no_grad(); // autograd's mode is per thread
                using var scope = NewDisposeScope();
                logits[slice] = model.forward(input.narrow(0, start, rows).to(model.InputDevice)).DetachFromDisposeScope();
            });
            return cat(logits, 0);
        }
        finally
        {
            foreach (var slice in logits)
            {
                slice?.Dispose();
            }
        }
    }
}
