using AlexNet.Experiments.Infrastructure.Torch.Training;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Training;

public sealed class BatchLoaderTests
{
    private const int FloatsPerImage = 3;

    private static int LabelOf(int index) => (index * 7) % 5;

    [Theory]
    [InlineData(37, 8, 1)]
    [InlineData(37, 8, 3)]
    [InlineData(32, 8, 2)]
    [InlineData(5, 16, 2)]
    public void Yields_every_image_once_in_order_with_its_label_and_crops(int count, int batchSize, int prefetch)
    {
        var order = DeterministicSeed.Shuffle(count, seed: 5);
        using var loader = new BatchLoader(order, LabelOf, batchSize, FloatsPerImage, Fill, prefetch, CancellationToken.None);

        var seen = new List<int>();
        var sizes = new List<int>();
        foreach (var batch in loader.ReadAll())
        {
            // A slow consumer lets the producer run ahead; the held buffer must stay intact meanwhile.
            Thread.Sleep(5);
            sizes.Add(batch.Count);
            batch.Labels.Length.ShouldBe(batch.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                int position = seen.Count, index = order[position];
                batch.Labels[i].ShouldBe(LabelOf(index));
                batch.Pixels[i].data<float>().ToArray().ShouldBe(Crops(position, index));
                seen.Add(index);
            }

            loader.Recycle(batch);
        }

        seen.ShouldBe(order);
        seen.Order().ShouldBe(Enumerable.Range(0, count));
        sizes.ShouldBe(Enumerable.Range(0, (count + batchSize - 1) / batchSize).Select(b => Math.Min(batchSize, count - (b * batchSize))));
    }

    [Fact]
    public void A_failing_fill_surfaces_from_ReadAll_instead_of_ending_the_epoch_early()
    {
        var order = Enumerable.Range(0, 40).ToArray();
        using var loader = new BatchLoader(
            order, LabelOf, batchSize: 8, FloatsPerImage,
            (position, index, crops) =>
            {
                if (position == 20)
                {
                    throw new InvalidOperationException("unreadable image 20");
                }

                Fill(position, index, crops);
            },
            prefetch: 2, CancellationToken.None);

        int batches = 0;
        var thrown = Should.Throw<Exception>(() =>
        {
            foreach (var batch in loader.ReadAll())
            {
                batches++;
                loader.Recycle(batch);
            }
        });

        Causes(thrown).OfType<InvalidOperationException>().ShouldContain(e => e.Message == "unreadable image 20");
        batches.ShouldBe(2);
    }

    [Fact]
    public async Task Disposing_mid_epoch_stops_a_blocked_producer()
    {
        var order = Enumerable.Range(0, 200).ToArray();
        var loader = new BatchLoader(order, LabelOf, batchSize: 4, FloatsPerImage, Fill, prefetch: 1, CancellationToken.None);
        loader.ReadAll().First().Count.ShouldBe(4);

        var dispose = Task.Run(loader.Dispose);
        (await Task.WhenAny(dispose, Task.Delay(TimeSpan.FromSeconds(10)))).ShouldBeSameAs(dispose);
    }

    [Fact]
    public void Cancellation_stops_reading()
    {
        using var cancellation = new CancellationTokenSource();
        var order = Enumerable.Range(0, 200).ToArray();
        using var loader = new BatchLoader(order, LabelOf, batchSize: 4, FloatsPerImage, Fill, prefetch: 1, cancellation.Token);

        int batches = 0;
        var thrown = Should.Throw<Exception>(() =>
        {
            foreach (var batch in loader.ReadAll())
            {
                batches++;
                cancellation.Cancel();
                loader.Recycle(batch);
            }
        });

        thrown.ShouldBeAssignableTo<OperationCanceledException>();
        batches.ShouldBeLessThan(order.Length / 4);
    }

    private static void Fill(int position, int index, Span<float> crops) => Crops(position, index).CopyTo(crops);

    private static float[] Crops(int position, int index) => [position, index, (position * 1000) + index];

    private static IEnumerable<Exception> Causes(Exception exception) =>
        exception is AggregateException aggregate
            ? aggregate.Flatten().InnerExceptions.SelectMany(Causes).Prepend(exception)
            : exception.InnerException is { } inner ? Causes(inner).Prepend(exception) : [exception];
}
