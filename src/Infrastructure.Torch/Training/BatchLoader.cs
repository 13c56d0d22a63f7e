using System.Collections.Concurrent;

namespace AlexNet.Experiments.Infrastructure.Torch.Training;

/// <summary>A batch of prepared crops: <see cref="Pixels"/> holds Count x CropsPerImage CHW crops, image after image.</summary>
public sealed record Batch(float[] Pixels, long[] Labels, int Count);

/// <summary>
/// Prepares batches on background threads while the caller trains on the current one. The queue is bounded and
/// buffers are recycled, so memory stays at a few batches whatever the dataset size. Filling is a pure function of
/// (position, image index), so the batches do not depend on thread timing.
/// </summary>
public sealed class BatchLoader : IDisposable
{
    public delegate void FillCrops(int position, int imageIndex, Span<float> crops);

    private readonly BlockingCollection<Batch> ready;
    private readonly BlockingCollection<float[]> free = new();
    private readonly CancellationTokenSource stop;
    private readonly Task producer;

    public BatchLoader(IReadOnlyList<int> order, Func<int, int> labelOf, int batchSize, int floatsPerImage, FillCrops fill, int prefetch, CancellationToken cancellationToken)
    {
        ready = new BlockingCollection<Batch>(prefetch);
        for (int i = 0; i < prefetch + 2; i++)
        {
            free.Add(new float[batchSize * floatsPerImage]);
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
                        fill(position, index, pixels.AsSpan(i * floatsPerImage, floatsPerImage));
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
    }
}

/// <summary>Reproducible seeds from (run seed, epoch, position): SplitMix64, stable across processes unlike HashCode.</summary>
public static class DeterministicSeed
{
    public static int For(long a, long b, long c = 0)
    {
        ulong x = Mix((ulong)a) ^ Mix((ulong)b + 0x9E3779B97F4A7C15UL) ^ Mix((ulong)c + 0x632BE59BD9B4E019UL);
        return (int)(Mix(x) & 0x7FFFFFFF);
    }

    public static int[] Shuffle(int count, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        return order;
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
