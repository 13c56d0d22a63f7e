using System.Collections.Concurrent;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Training;

/// <summary>
/// A batch of prepared crops. <see cref="Pixels"/> is the loader's reusable CPU tensor (batch size x floats per image);
/// its first <see cref="Count"/> rows hold this batch. Valid until the batch is recycled.
/// </summary>
public sealed record Batch(Tensor Pixels, long[] Labels, int Count)
{
    /// <summary>The batch's rows reshaped, e.g. Images(3, 227, 227) gives Count x 3 x 227 x 227, without copying.</summary>
    public Tensor Images(params long[] imageShape) => Pixels.narrow(0, 0, Count).view([-1, .. imageShape]);
}

/// <summary>
/// Prepares batches on background threads while the caller trains on the current one, writing the crops straight into
/// the memory of reusable batch tensors (no copy between loader and model). The queue is bounded and buffers are
/// recycled, so memory stays at a few batches whatever the dataset size. Filling is a pure function of
/// (position, image index), so the batches do not depend on thread timing.
/// </summary>
public sealed class BatchLoader : IDisposable
{
    public delegate void FillCrops(int position, int imageIndex, Span<float> crops);

    private readonly BlockingCollection<Batch> ready;
    private readonly BlockingCollection<Tensor> free = new();
    private readonly List<Tensor> buffers = [];
    private readonly CancellationTokenSource stop;
    private readonly Task producer;

    public BatchLoader(IReadOnlyList<int> order, Func<int, int> labelOf, int batchSize, int floatsPerImage, FillCrops fill, int prefetch, CancellationToken cancellationToken)
    {
        ready = new BlockingCollection<Batch>(prefetch);
        for (int i = 0; i < prefetch + 2; i++)
        {
            var buffer = empty(batchSize, floatsPerImage).DetachFromDisposeScope();
            buffers.Add(buffer);
            free.Add(buffer);
        }

        stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = stop.Token;
        producer = Task.Run(() =>
        {
            try
            {
                for (int start = 0; start < order.Count; start += batchSize)
                {
                    int count = Math.Min(batchSize, order.Count - start);
                    var pixels = free.Take(token);
                    var labels = new long[count];
                    Parallel.For(0, count, new ParallelOptions { CancellationToken = token }, i =>
                    {
                        int position = start + i, index = order[position];
                        labels[i] = labelOf(index);
                        fill(position, index, Row(pixels, i, floatsPerImage));
                    });
                    ready.Add(new Batch(pixels, labels, count), token);
                }
            }
            finally
            {
                ready.CompleteAdding();
            }
        }, token);
    }

    /// <summary>Yields batches in order; give each buffer back with <see cref="Recycle"/> once its tensor is built.</summary>
    public IEnumerable<Batch> ReadAll()
    {
        foreach (var batch in ready.GetConsumingEnumerable(stop.Token))
        {
            yield return batch;
        }

        producer.GetAwaiter().GetResult(); // surfaces a fill failure instead of a silently short epoch
    }

    public void Recycle(Batch batch) => free.Add(batch.Pixels);

    private static Span<float> Row(Tensor buffer, int row, int floatsPerImage) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(buffer.bytes).Slice(row * floatsPerImage, floatsPerImage);

    public void Dispose()
    {
        stop.Cancel();
        try
        {
            producer.Wait();
        }
        catch (AggregateException)
        {
            // cancelled or already surfaced through ReadAll
        }

        stop.Dispose();
        ready.Dispose();
        free.Dispose();
        foreach (var buffer in buffers)
        {
            buffer.Dispose();
        }
    }
}
