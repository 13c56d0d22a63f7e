using System.Buffers.Binary;
using System.IO.Compression;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;
using AlexNet.Experiments.Tests.Shared;
using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests.Datasets;

/// <summary>Each format read from files this test writes byte for byte, then preprocessed into the same store.</summary>
public sealed class DatasetFormatTests : IDisposable
{
    private readonly TempDirectory root = new();

    public void Dispose() => root.Dispose();

    private string Source => root.Combine("source");

    private Task<DatasetVersion> PreprocessAsync(DatasetFormat format, int imageSize, PreprocessingSettings? settings = null) =>
        new DatasetPreprocessor().PreprocessAsync(
            new Dataset(Guid.NewGuid(), format.ToString(), Source, format, DateTimeOffset.UnixEpoch),
            settings ?? new PreprocessingSettings(imageSize), root.Combine("store"), null, CancellationToken.None);

    private static byte Grey(int image, int pixel) => (byte)(image * 40 + pixel * 3);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Idx_files_plain_or_gzipped_become_grey_images_replicated_to_rgb(bool gzip)
    {
        WriteIdx("train", [1, 0, 2, 1, 0], side: 6, gzip);
        WriteIdx("t10k", [2, 0], side: 6, gzip);

        var records = DatasetFormatReaders.For(DatasetFormat.Idx).Read(UntrustedFiles.RealPath(Source)!, new UntrustedFileLimits(), CancellationToken.None);
        records.ClassNames.ShouldBe(["0", "1", "2"]);
        records.Train.Select(r => r.Label).ShouldBe([1, 0, 2, 1, 0]);
        records.Validation!.Select(r => r.Label).ShouldBe([2, 0]);
        var first = records.Train[0].ShouldBeOfType<RawImageRecord>();
        (first.Width, first.Height, first.Channels).ShouldBe((6, 6, 1));

        var version = await PreprocessAsync(DatasetFormat.Idx, imageSize: 6);

        (version.TrainCount, version.ValidationCount, version.SkippedCount).ShouldBe((5, 2, 0));
        using var train = PreprocessedSplit.Open(version.StorePath, DatasetSplit.Train, 6);
        Enumerable.Range(0, 5).Select(train.Label).ShouldBe([1, 0, 2, 1, 0]);
        var image = train.Image(3);
        for (int p = 0; p < 36; p++)
        {
            image.Slice(p * 3, 3).ToArray().ShouldBe([Grey(3, p), Grey(3, p), Grey(3, p)]);
        }
    }

    [Fact]
    public void Idx_files_with_a_wrong_magic_or_mismatched_counts_are_rejected()
    {
        WriteIdx("train", [0, 1], side: 4, gzip: false);
        File.WriteAllBytes(Path.Combine(Source, "t10k-images-idx3-ubyte"), Idx(0x0801, [3], new byte[3]));
        File.WriteAllBytes(Path.Combine(Source, "t10k-labels-idx1-ubyte"), Idx(0x0801, [3], new byte[3]));
        var reader = DatasetFormatReaders.For(DatasetFormat.Idx);

        Should.Throw<InvalidDataException>(() => reader.Read(Source, new UntrustedFileLimits(), CancellationToken.None)).Message.ShouldContain("0x00000801");

        File.WriteAllBytes(Path.Combine(Source, "t10k-images-idx3-ubyte"), Idx(0x0803, [2, 4, 4], new byte[32]));
        Should.Throw<InvalidDataException>(() => reader.Read(Source, new UntrustedFileLimits(), CancellationToken.None)).Message.ShouldContain("2 images");

        File.WriteAllBytes(Path.Combine(Source, "t10k-images-idx3-ubyte"), Idx(0x0803, [3, 4, 4], new byte[40]));
        Should.Throw<InvalidDataException>(() => reader.Read(Source, new UntrustedFileLimits(), CancellationToken.None)).Message.ShouldContain("shorter");

        File.Delete(Path.Combine(Source, "t10k-images-idx3-ubyte"));
        reader.CheckLayout(Source).ShouldNotBeNull().ShouldContain("only one of");
    }

    [Fact]
    public async Task Raw_images_over_the_pixel_cap_are_not_stored()
    {
        WriteIdx("train", [0, 1, 0], side: 8, gzip: false);

        var failure = await new DatasetPreprocessor { Limits = new UntrustedFileLimits { MaxPixels = 63 } }.PreprocessAsync(
            new Dataset(Guid.NewGuid(), "capped", Source, DatasetFormat.Idx, DateTimeOffset.UnixEpoch),
            new PreprocessingSettings(8), root.Combine("store"), null, CancellationToken.None)
            .ContinueWith(t => t.Exception?.InnerException);

        failure.ShouldBeOfType<InvalidDataException>().Message.ShouldBe(
            "The dataset has no decodable training images: 3 files were skipped ('train-images-idx3-ubyte#0': 8x8 pixels, over the cap of 63; "
            + "'train-images-idx3-ubyte#2': 8x8 pixels, over the cap of 63; 'train-images-idx3-ubyte#1': 8x8 pixels, over the cap of 63).");
    }

    [Fact]
    public async Task A_source_without_a_validation_split_gets_a_seeded_hold_out_recorded_in_the_version()
    {
        WriteIdx("train", [.. Enumerable.Range(0, 20).Select(i => (byte)(i % 2))], side: 4, gzip: true);

        var version = await PreprocessAsync(DatasetFormat.Idx, 4, new PreprocessingSettings(4, HoldOutFraction: 0.25, HoldOutSeed: 5));
        var again = await PreprocessAsync(DatasetFormat.Idx, 4, new PreprocessingSettings(4, HoldOutFraction: 0.25, HoldOutSeed: 5));
        var otherSeed = await PreprocessAsync(DatasetFormat.Idx, 4, new PreprocessingSettings(4, HoldOutFraction: 0.25, HoldOutSeed: 6));

        version.HoldOut.ShouldBe(new ValidationHoldOut(0.25, 5));
        (version.TrainCount, version.ValidationCount).ShouldBe((15, 5));
        again.ContentHash.ShouldBe(version.ContentHash);
        otherSeed.ContentHash.ShouldNotBe(version.ContentHash);
        HeldOutImages(version).ShouldNotBe(HeldOutImages(otherSeed));

        // Every source image is in exactly one split.
        var all = StoredImages(version, DatasetSplit.Train).Concat(StoredImages(version, DatasetSplit.Validation)).Order().ToList();
        all.ShouldBe(Enumerable.Range(0, 20).Select(i => (int)Grey(i, 0)).Order().ToList());
    }

    [Fact]
    public async Task Cifar10_batches_become_rgb_images_from_their_colour_planes()
    {
        Directory.CreateDirectory(Source);
        File.WriteAllBytes(Path.Combine(Source, "data_batch_1.bin"), Cifar([2, 0, 1], labelBytes: 1, coarse: 0));
        File.WriteAllBytes(Path.Combine(Source, "data_batch_2.bin"), Cifar([1], labelBytes: 1, coarse: 0, firstImage: 3));
        File.WriteAllBytes(Path.Combine(Source, "test_batch.bin"), Cifar([0, 2], labelBytes: 1, coarse: 0, firstImage: 4));
        File.WriteAllText(Path.Combine(Source, "batches.meta.txt"), "airplane\nautomobile\nbird\n\n");

        var version = await PreprocessAsync(DatasetFormat.Cifar10, imageSize: 32);

        version.ClassNames.ShouldBe(["airplane", "automobile", "bird"]);
        (version.TrainCount, version.ValidationCount).ShouldBe((4, 2));
        using var train = PreprocessedSplit.Open(version.StorePath, DatasetSplit.Train, 32);
        Enumerable.Range(0, 4).Select(train.Label).ShouldBe([2, 0, 1, 1]);
        AssertCifarPixels(train.Image(1), image: 1);
        AssertCifarPixels(train.Image(3), image: 3);
        using var validation = PreprocessedSplit.Open(version.StorePath, DatasetSplit.Validation, 32);
        AssertCifarPixels(validation.Image(1), image: 5);
    }

    [Fact]
    public async Task Cifar100_uses_the_fine_label_and_a_torn_file_is_rejected()
    {
        Directory.CreateDirectory(Source);
        File.WriteAllBytes(Path.Combine(Source, "train.bin"), Cifar([3, 1, 0], labelBytes: 2, coarse: 1));
        File.WriteAllBytes(Path.Combine(Source, "test.bin"), Cifar([2], labelBytes: 2, coarse: 0));
        File.WriteAllText(Path.Combine(Source, "fine_label_names.txt"), "apple\naquarium_fish\nbaby\nbear\n");

        var version = await PreprocessAsync(DatasetFormat.Cifar100, imageSize: 16);

        version.ClassNames.Count.ShouldBe(4);
        using var train = PreprocessedSplit.Open(version.StorePath, DatasetSplit.Train, 16);
        Enumerable.Range(0, 3).Select(train.Label).ShouldBe([3, 1, 0]);

        File.WriteAllBytes(Path.Combine(Source, "test.bin"), Cifar([2], labelBytes: 2, coarse: 0)[..3000]);
        Should.Throw<InvalidDataException>(() => CifarReader.Cifar100.Read(Source, new UntrustedFileLimits(), CancellationToken.None))
            .Message.ShouldContain("3074-byte records");
    }

    [Fact]
    public async Task Ilsvrc_validation_labels_come_from_the_ground_truth_through_the_synset_list()
    {
        var jpeg = TestImages.Encode(10, 8, (x, y) => ((byte)(x * 20), (byte)(y * 30), 90), SKEncodedImageFormat.Jpeg);
        foreach (var file in new[] { "train/n01/a.JPEG", "train/n02/b.JPEG", "train/n02/c.JPEG",
                     "val/ILSVRC2012_val_00000001.JPEG", "val/ILSVRC2012_val_00000002.JPEG", "val/ILSVRC2012_val_00000003.JPEG" })
        {
            TestImages.Write(Path.Combine(Source, file), jpeg);
        }

        // ILSVRC ids are the synset list's order, not the sorted wnids: id 1 is n02 (label 1), id 2 is n01 (label 0).
        File.WriteAllText(Path.Combine(Source, IlsvrcReader.SynsetsFile), "n02 second class\nn01 first class\nn99 not in train\n");
        File.WriteAllText(Path.Combine(Source, IlsvrcReader.GroundTruthFile), "2\n1\n3\n");

        var version = await PreprocessAsync(DatasetFormat.Ilsvrc, imageSize: 8);

        version.ClassNames.ShouldBe(["n01", "n02"]);
        (version.TrainCount, version.ValidationCount).ShouldBe((3, 2));
        version.Skipped.ShouldBe([new SkippedFile("val/ILSVRC2012_val_00000003.JPEG", "ILSVRC id 3 (n99) has no train folder")]);
        using var validation = PreprocessedSplit.Open(version.StorePath, DatasetSplit.Validation, 8);
        Enumerable.Range(0, 2).Select(validation.Label).ShouldBe([0, 1]);

        File.WriteAllText(Path.Combine(Source, IlsvrcReader.GroundTruthFile), "2\n1\n");
        Should.Throw<InvalidDataException>(() => new IlsvrcReader().Read(Source, new UntrustedFileLimits(), CancellationToken.None))
            .Message.ShouldContain("2 labels for 3 validation images");
        File.Delete(Path.Combine(Source, IlsvrcReader.SynsetsFile));
        new IlsvrcReader().CheckLayout(Source).ShouldNotBeNull().ShouldContain(IlsvrcReader.SynsetsFile);
    }

    private static List<int> HeldOutImages(DatasetVersion version) => StoredImages(version, DatasetSplit.Validation);

    private static List<int> StoredImages(DatasetVersion version, DatasetSplit split)
    {
        using var stored = PreprocessedSplit.Open(version.StorePath, split, version.Settings.ImageSize);
        return [.. Enumerable.Range(0, stored.Count).Select(i => (int)stored.Image(i)[0])];
    }

    private void WriteIdx(string prefix, byte[] labels, int side, bool gzip)
    {
        Directory.CreateDirectory(Source);
        var pixels = new byte[labels.Length * side * side];
        for (int i = 0; i < labels.Length; i++)
        {
            for (int p = 0; p < side * side; p++)
            {
                pixels[i * side * side + p] = Grey(i, p);
            }
        }

        Write($"{prefix}-images-idx3-ubyte", Idx(IdxReader.ImagesMagic, [labels.Length, side, side], pixels), gzip);
        Write($"{prefix}-labels-idx1-ubyte", Idx(IdxReader.LabelsMagic, [labels.Length], labels), gzip);
    }

    private void Write(string name, byte[] bytes, bool gzip)
    {
        if (!gzip)
        {
            File.WriteAllBytes(Path.Combine(Source, name), bytes);
            return;
        }

        using var file = File.Create(Path.Combine(Source, name + ".gz"));
        using var compressed = new GZipStream(file, CompressionLevel.Optimal);
        compressed.Write(bytes);
    }

    private static byte[] Idx(int magic, int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int d = 0; d < dimensions.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dimensions[d]);
        }

        data.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }

    private static byte CifarValue(int image, int plane, int pixel) => (byte)(image * 31 + plane * 85 + pixel * 7);

    private static byte[] Cifar(byte[] labels, int labelBytes, byte coarse, int firstImage = 0)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < labels.Length; i++)
        {
            if (labelBytes == 2)
            {
                bytes.Add(coarse);
            }

            bytes.Add(labels[i]);
            for (int plane = 0; plane < 3; plane++)
            {
                for (int p = 0; p < 1024; p++)
                {
                    bytes.Add(CifarValue(firstImage + i, plane, p));
                }
            }
        }

        return [.. bytes];
    }

    private static void AssertCifarPixels(ReadOnlySpan<byte> stored, int image)
    {
        foreach (int p in new[] { 0, 1, 33, 500, 1023 })
        {
            stored[p * 3].ShouldBe(CifarValue(image, 0, p));
            stored[p * 3 + 1].ShouldBe(CifarValue(image, 1, p));
            stored[p * 3 + 2].ShouldBe(CifarValue(image, 2, p));
        }
    }
}
