using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Torch.Data;
using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Data;

public sealed class ImageFolderDatasetReaderTests
{
    private readonly ImageFolderDatasetReader _reader = new();

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

        _reader.ReadClassNames(root.Path).ShouldBe(["a", "b"]);

        var train = _reader.ListImages(root.Path, DatasetSplit.Train).ToList();
        train.Select(i => Path.GetRelativePath(root.Path, i.Path)).ShouldBe(["train/a/y.PNG", "train/a/z.jpeg", "train/b/1.JPG", "train/b/2.png"]);
        train.Select(i => i.ClassIndex).ShouldBe([0, 0, 1, 1]);
        train.ShouldAllBe(i => i.Split == DatasetSplit.Train);

        var validation = _reader.ListImages(root.Path, DatasetSplit.Validation).ToList();
        validation.Select(i => Path.GetRelativePath(root.Path, i.Path)).ShouldBe(["val/a/w.png", "val/b/v.jpg"]);
        validation.Select(i => i.ClassIndex).ShouldBe([0, 1]);
        validation.ShouldAllBe(i => i.Split == DatasetSplit.Validation);
    }

    [Fact]
    public void Missing_train_folder_is_an_error_and_missing_val_folder_is_empty()
    {
        using var root = new TempDirectory();
        Should.Throw<DirectoryNotFoundException>(() => _reader.ReadClassNames(root.Path));

        TestImages.Write(root.Combine("train", "a", "1.png"), TestImages.SolidPng(1, 2, 3));
        _reader.ListImages(root.Path, DatasetSplit.Validation).ShouldBeEmpty();
    }

    [Fact]
    public void Decodes_a_png_exactly_to_rgb_hwc()
    {
        using var root = new TempDirectory();
        string path = root.Combine("image.png");
        TestImages.Write(path, TestImages.Encode(3, 2, (x, y) => ((byte)(x * 100), (byte)(y * 200), 7), SKEncodedImageFormat.Png));

        var image = _reader.TryDecode(path).ShouldNotBeNull();

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

        var image = _reader.TryDecode(path).ShouldNotBeNull();

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
        var image = _reader.TryDecode(path, minShorterSide: 100).ShouldNotBeNull();

        image.Width.ShouldBe(150);
        image.Height.ShouldBe(113);
        _reader.TryDecode(path, minShorterSide: 300).ShouldNotBeNull().Width.ShouldBe(400);
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

        _reader.TryDecode(corrupt).ShouldBeNull();
        _reader.TryDecode(truncated).ShouldBeNull();
        _reader.TryDecode(empty).ShouldBeNull();
        _reader.TryDecode(root.Combine("missing.png")).ShouldBeNull();
    }
}
