using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Tests.Shared;
using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests.Datasets;

/// <summary>Samples of a registered source: its first training images per class, decoded and centre-cropped, from a listing kept a minute.</summary>
public sealed class DatasetSamplesTests : IDisposable
{
    private readonly TempDirectory root = new();
    private readonly ManualClock clock = new();

    public void Dispose() => root.Dispose();

    [Fact]
    public async Task A_sample_is_the_centre_square_of_a_training_image_at_most_96_pixels_wide()
    {
        // Blue, red and green thirds: scaled to 192x96, the centre square spans the red third and the inner edges of the others.
        var bands = TestImages.Encode(
            300, 150, (x, _) => x < 100 ? ((byte)10, (byte)10, (byte)200) : x < 200 ? ((byte)200, (byte)10, (byte)10) : ((byte)10, (byte)200, (byte)10),
            SKEncodedImageFormat.Png);
        var dataset = Source(("circle", "0.png", bands));
        var samples = new DatasetSamples(clock);

        var sample = await samples.EncodeSampleAsync(dataset, 0, 0, CancellationToken.None);

        sample.Problem.ShouldBeNull();
        using var image = SKBitmap.Decode(sample.Png);
        (image.Width, image.Height).ShouldBe((SourceContents.SampleSize, SourceContents.SampleSize));
        image.GetPixel(2, 48).Blue.ShouldBeGreaterThan((byte)150);
        image.GetPixel(48, 48).Red.ShouldBeGreaterThan((byte)150);
        image.GetPixel(93, 48).Green.ShouldBeGreaterThan((byte)150);
    }

    [Fact]
    public async Task The_listing_is_kept_for_a_minute_so_a_page_of_samples_lists_the_source_once()
    {
        var dataset = Source(("circle", "0.png", TestImages.SolidPng(1, 2, 3)));
        var samples = new DatasetSamples(clock);
        (await samples.DescribeAsync(dataset, CancellationToken.None)).Classes.ShouldBe([new SourceClass("circle", 1)]);

        TestImages.Write(Path.Combine(dataset.SourcePath, "train", "circle", "1.png"), TestImages.SolidPng(1, 2, 3));
        clock.Now += TimeSpan.FromSeconds(59);
        (await samples.DescribeAsync(dataset, CancellationToken.None)).Classes.ShouldBe([new SourceClass("circle", 1)]);
        clock.Now += TimeSpan.FromSeconds(2);
        (await samples.DescribeAsync(dataset, CancellationToken.None)).Classes.ShouldBe([new SourceClass("circle", 2)]);
    }

    [Fact]
    public async Task A_source_gone_since_registration_is_described_by_its_problem()
    {
        var dataset = new Dataset(Guid.NewGuid(), "gone", root.Combine("gone"), DatasetFormat.ImageFolder, DateTimeOffset.UnixEpoch);
        var samples = new DatasetSamples(clock);

        var contents = await samples.DescribeAsync(dataset, CancellationToken.None);
        var sample = await samples.EncodeSampleAsync(dataset, 0, 0, CancellationToken.None);

        contents.Classes.ShouldBeEmpty();
        contents.Problem.ShouldBe($"The folder '{dataset.SourcePath}' no longer exists.");
        sample.Problem.ShouldBe(contents.Problem);
    }

    private Dataset Source(params (string Class, string File, byte[] Bytes)[] files)
    {
        var path = root.Combine("source");
        foreach (var (cls, file, bytes) in files)
        {
            TestImages.Write(Path.Combine(path, "train", cls, file), bytes);
        }

        return new Dataset(Guid.NewGuid(), "source", path, DatasetFormat.ImageFolder, DateTimeOffset.UnixEpoch);
    }

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
