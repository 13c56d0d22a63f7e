using System.Buffers.Binary;
using System.IO.Compression;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests.Datasets;

/// <summary>The real Fashion-MNIST files of Debian's dataset-fashion-mnist package (.ci/run installs it).</summary>
public sealed class FashionMnistTests
{
    public const string Folder = "/usr/share/datasets/fashion-mnist";

    [Fact]
    public async Task The_real_files_read_as_60000_and_10000_grey_28x28_images_of_10_balanced_classes_and_a_subset_preprocesses()
    {
        Directory.Exists(Folder).ShouldBeTrue($"{Folder} is missing: apt-get install dataset-fashion-mnist (.ci/run does).");
        new IdxReader().CheckLayout(Folder).ShouldBeNull();

        var records = new IdxReader().Read(UntrustedFiles.RealPath(Folder)!, new UntrustedFileLimits(), CancellationToken.None);
        records.ClassNames.Count.ShouldBe(10);
        records.Train.Count.ShouldBe(60_000);
        records.Validation.ShouldNotBeNull().Count.ShouldBe(10_000);
        records.Train.GroupBy(r => r.Label).Select(g => g.Count()).ShouldAllBe(n => n == 6_000);
        records.Validation!.GroupBy(r => r.Label).Select(g => g.Count()).ShouldAllBe(n => n == 1_000);
        var first = records.Train[0].ShouldBeOfType<RawImageRecord>();
        (first.Width, first.Height, first.Channels).ShouldBe((28, 28, 1));

        // The first 1,000 training and 200 test images, written back as gzipped IDX files and preprocessed.
        using var root = new TempDirectory();
        string subset = root.Combine("subset");
        Directory.CreateDirectory(subset);
        WriteIdx(subset, "train", records.Train.Take(1000).Cast<RawImageRecord>().ToList());
        WriteIdx(subset, "t10k", records.Validation!.Take(200).Cast<RawImageRecord>().ToList());
        var version = await new DatasetPreprocessor().PreprocessAsync(
            new Dataset(Guid.NewGuid(), "fashion-mnist", subset, DatasetFormat.Idx, DateTimeOffset.UnixEpoch),
            new PreprocessingSettings(28), root.Combine("store"), null, CancellationToken.None);

        (version.TrainCount, version.ValidationCount, version.SkippedCount).ShouldBe((1000, 200, 0));
        using var train = PreprocessedSplit.Open(version.StorePath, DatasetSplit.Train, 28);
        Enumerable.Range(0, 1000).Select(train.Label).ShouldBe(records.Train.Take(1000).Select(r => r.Label));
        var pixels = first.Pixels.Span;
        var stored = train.Image(0);
        for (int p = 0; p < 28 * 28; p++)
        {
            stored[p * 3].ShouldBe(pixels[p]);
            stored[p * 3 + 1].ShouldBe(pixels[p]);
            stored[p * 3 + 2].ShouldBe(pixels[p]);
        }

        // Grey replicated to three channels: the colour covariance has one non-zero eigenvalue.
        version.ColourPca.Eigenvalues[0].ShouldBeGreaterThan(1000);
        version.ColourPca.Eigenvalues[1].ShouldBe(0, 1e-6);
    }

    private static void WriteIdx(string folder, string prefix, List<RawImageRecord> images)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, IdxReader.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), images.Count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), 28);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), 28);
        using (var file = new GZipStream(File.Create(Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz")), CompressionLevel.Fastest))
        {
            file.Write(header);
            images.ForEach(image => file.Write(image.Pixels.Span));
        }

        BinaryPrimitives.WriteInt32BigEndian(header, IdxReader.LabelsMagic);
        using var labels = new GZipStream(File.Create(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz")), CompressionLevel.Fastest);
        labels.Write(header.AsSpan(0, 8));
        labels.Write([.. images.Select(image => (byte)image.Label)]);
    }
}
