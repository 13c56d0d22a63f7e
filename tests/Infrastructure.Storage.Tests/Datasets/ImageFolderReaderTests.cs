using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;
using AlexNet.Experiments.Tests.Shared;
using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests.Datasets;

public sealed class ImageFolderReaderTests
{
    private readonly ImageFolderReader _reader = new();

    [Fact]
    public void Lists_sorted_images_with_labels_from_the_sorted_train_folders()
    {
        using var root = new TempDirectory();
        var png = TestImages.SolidPng(10, 20, 30);
        foreach (var file in new[] { "train/b/2.png", "train/b/1.JPG", "train/a/z.jpeg", "train/a/y.PNG", "train/a/notes.txt", "train/.hidden/x.png",
                     "val/b/v.jpg", "val/zzz/ignored.png", "val/a/w.png" })
        {
            TestImages.Write(root.Combine(file.Split('/')), png);
        }

        var records = _reader.Read(UntrustedFiles.RealPath(root.Path)!, new UntrustedFileLimits(), CancellationToken.None);

        records.ClassNames.ShouldBe(["a", "b"]);
        records.Train.Select(r => r.Key).ShouldBe(["train/a/y.PNG", "train/a/z.jpeg", "train/b/1.JPG", "train/b/2.png"]);
        records.Train.Select(r => r.Label).ShouldBe([0, 0, 1, 1]);
        records.Train.ShouldAllBe(r => r is EncodedImageRecord);
        records.Validation.ShouldNotBeNull().Select(r => r.Key).ShouldBe(["val/a/w.png", "val/b/v.jpg"]);
        records.Validation!.Select(r => r.Label).ShouldBe([0, 1]);
    }

    [Fact]
    public void A_missing_train_folder_fails_the_layout_check_and_a_missing_val_folder_means_no_validation_split()
    {
        using var root = new TempDirectory();
        _reader.CheckLayout(root.Path).ShouldNotBeNull().ShouldContain("train/");
        Should.Throw<InvalidDataException>(() => _reader.Read(root.Path, new UntrustedFileLimits(), CancellationToken.None));

        TestImages.Write(root.Combine("train", "a", "1.png"), TestImages.SolidPng(1, 2, 3));
        _reader.CheckLayout(root.Path).ShouldBeNull();
        _reader.Read(UntrustedFiles.RealPath(root.Path)!, new UntrustedFileLimits(), CancellationToken.None).Validation.ShouldBeNull();
    }

    [Fact]
    public void Decodes_a_png_exactly_to_rgb_hwc()
    {
        using var root = new TempDirectory();
        string path = root.Combine("image.png");
        TestImages.Write(path, TestImages.Encode(3, 2, (x, y) => ((byte)(x * 100), (byte)(y * 200), 7), SKEncodedImageFormat.Png));

        var image = Decode(path).ShouldNotBeNull();

        image.Width.ShouldBe(3);
        image.Height.ShouldBe(2);
        image.Rgb.ShouldBe(new byte[] { 0, 0, 7, 100, 0, 7, 200, 0, 7, 0, 200, 7, 100, 200, 7, 200, 200, 7 });
    }

    [Fact]
    public void Decodes_a_jpeg_close_to_its_colour()
    {
        using var root = new TempDirectory();
        string path = root.Combine("image.jpg");
        TestImages.Write(path, TestImages.Encode(40, 30, (_, _) => (200, 60, 30), SKEncodedImageFormat.Jpeg, quality: 95));

        var image = Decode(path).ShouldNotBeNull();

        image.Width.ShouldBe(40);
        image.Height.ShouldBe(30);
        image.Rgb.Length.ShouldBe(40 * 30 * 3);
        int centre = (15 * 40 + 20) * 3;
        ((int)image.Rgb[centre]).ShouldBeInRange(190, 210);
        ((int)image.Rgb[centre + 1]).ShouldBeInRange(50, 70);
        ((int)image.Rgb[centre + 2]).ShouldBeInRange(20, 40);
    }

    [Fact]
    public void Decodes_a_jpeg_at_the_smallest_scale_that_keeps_the_shorter_side()
    {
        using var root = new TempDirectory();
        string path = root.Combine("large.jpg");
        TestImages.Write(path, TestImages.Encode(400, 300, (_, _) => (0, 128, 255), SKEncodedImageFormat.Jpeg));

        // 2/8 would give 75 rows, too few for 100; 3/8 gives 150x113.
        var image = Decode(path, minShorterSide: 100).ShouldNotBeNull();

        image.Width.ShouldBe(150);
        image.Height.ShouldBe(113);
        Decode(path, minShorterSide: 300).ShouldNotBeNull().Width.ShouldBe(400);
    }

    [Fact]
    public void Returns_null_for_corrupt_truncated_and_missing_files()
    {
        using var root = new TempDirectory();
        string corrupt = root.Combine("corrupt.jpg");
        var junk = new byte[512];
        new Random(3).NextBytes(junk);
        File.WriteAllBytes(corrupt, junk);

        string truncated = root.Combine("truncated.jpg");
        var jpeg = TestImages.Encode(64, 64, (x, y) => ((byte)x, (byte)y, 0), SKEncodedImageFormat.Jpeg);
        File.WriteAllBytes(truncated, jpeg[..(jpeg.Length / 2)]);

        string empty = root.Combine("empty.png");
        File.WriteAllBytes(empty, []);

        Decode(corrupt).ShouldBeNull();
        Decode(truncated).ShouldBeNull();
        Decode(empty).ShouldBeNull();
    }

    [Fact]
    public void A_header_claiming_more_pixels_than_the_cap_is_refused_before_decoding()
    {
        var jpeg = TestImages.Encode(64, 48, (x, y) => ((byte)x, (byte)y, 0), SKEncodedImageFormat.Jpeg);

        SkiaImaging.TryDecode(jpeg, 0, maxPixels: 64 * 48 - 1, out var reason).ShouldBeNull();
        reason.ShouldBe($"header claims 64x48 pixels, over the cap of {64 * 48 - 1}");
        using var decoded = SkiaImaging.TryDecode(jpeg, 0, maxPixels: 64 * 48, out reason).ShouldNotBeNull();
        reason.ShouldBeNull();
    }

    private sealed record Image(int Width, int Height, byte[] Rgb);

    private static Image? Decode(string path, int minShorterSide = 0)
    {
        using var bitmap = SkiaImaging.TryDecode(File.ReadAllBytes(path), minShorterSide, new UntrustedFileLimits().MaxPixels, out _);
        return bitmap is null ? null : new Image(bitmap.Width, bitmap.Height, SkiaImaging.ToRgb(bitmap));
    }
}
