using System.Diagnostics;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;
using AlexNet.Experiments.Tests.Shared;
using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests.Datasets;

/// <summary>Hostile files in a source: each is skipped with its reason, and none can block or spin preprocessing.</summary>
public sealed class UntrustedFilesTests
{
    [Fact]
    public async Task Fifos_devices_links_out_of_the_root_bombs_and_torn_files_are_skipped_with_their_reason()
    {
        using var root = new TempDirectory();
        string source = root.Combine("source");
        string classFolder = Path.Combine(source, "train", "a");
        var png = TestImages.SolidPng(200, 100, 50, width: 12, height: 10);
        var jpeg = TestImages.Encode(64, 48, (x, y) => ((byte)x, (byte)y, 0), SKEncodedImageFormat.Jpeg);
        TestImages.Write(Path.Combine(classFolder, "good.png"), png);
        TestImages.Write(Path.Combine(source, "val", "a", "good.png"), png);
        TestImages.Write(Path.Combine(source, "extra", "inside.png"), png);
        TestImages.Write(root.Combine("outside", "secret.png"), png);

        MakeFifo(Path.Combine(classFolder, "fifo.jpg"));
        File.CreateSymbolicLink(Path.Combine(classFolder, "zero.jpg"), "/dev/zero");
        File.CreateSymbolicLink(Path.Combine(classFolder, "outside.png"), root.Combine("outside", "secret.png"));
        File.CreateSymbolicLink(Path.Combine(classFolder, "inside.png"), Path.Combine("..", "..", "extra", "inside.png"));
        File.CreateSymbolicLink(Path.Combine(classFolder, "dangling.png"), Path.Combine(source, "nothing-here.png"));
        File.WriteAllBytes(Path.Combine(classFolder, "huge-header.jpg"), WithClaimedSize(jpeg, 65500, 65500));
        File.WriteAllBytes(Path.Combine(classFolder, "truncated.jpg"), jpeg[..(jpeg.Length * 2 / 3)]);
        File.WriteAllBytes(Path.Combine(classFolder, "large.png"), [.. png, .. new byte[4096]]);
        Directory.CreateDirectory(Path.Combine(classFolder, "folder.jpg"));

        var preprocessor = new DatasetPreprocessor { Limits = new UntrustedFileLimits { MaxImageFileBytes = 4000 } };
        var run = preprocessor.PreprocessAsync(
            new Dataset(Guid.NewGuid(), "hostile", source, DatasetFormat.ImageFolder, DateTimeOffset.UnixEpoch),
            new PreprocessingSettings(8), root.Combine("store"), null, CancellationToken.None);
        // A generous bound that only a blocked or spinning worker can break.
        var version = await run.WaitAsync(TimeSpan.FromSeconds(60));

        (version.TrainCount, version.ValidationCount).ShouldBe((2, 1)); // good.png and the link that stays inside the root
        var reasons = version.Skipped.ToDictionary(s => s.Path, s => s.Reason);
        reasons.Keys.ShouldBe(
            ["train/a/dangling.png", "train/a/fifo.jpg", "train/a/huge-header.jpg", "train/a/large.png", "train/a/outside.png", "train/a/truncated.jpg", "train/a/zero.jpg"],
            ignoreOrder: true);
        reasons["train/a/fifo.jpg"].ShouldBe("not a regular file (a FIFO)");
        reasons["train/a/zero.jpg"].ShouldBe("a symbolic link that resolves outside the dataset root");
        reasons["train/a/outside.png"].ShouldBe("a symbolic link that resolves outside the dataset root");
        reasons["train/a/dangling.png"].ShouldBe("missing, or a symbolic link to nothing");
        reasons["train/a/huge-header.jpg"].ShouldBe("header claims 65500x65500 pixels, over the cap of 178956970");
        reasons["train/a/truncated.jpg"].ShouldStartWith("decoded data does not match its header");
        reasons["train/a/large.png"].ShouldBe($"{png.Length + 4096} bytes, over the cap of 4000");

        // The skipped files travel with the version, in version.json too.
        PreprocessedSplit.ReadVersion(version.StorePath).Skipped.ShouldBe(version.Skipped);
    }

    [Fact]
    public void Work_that_never_ends_is_abandoned_after_its_time_bound()
    {
        using var never = new ManualResetEventSlim(false);

        var result = UntrustedFiles.RunBounded<string>(() => { never.Wait(); return "done"; }, TimeSpan.FromMilliseconds(50), CancellationToken.None);

        result.ShouldBeNull();
        UntrustedFiles.RunBounded(() => "done", TimeSpan.FromSeconds(30), CancellationToken.None).ShouldBe("done");
        never.Set();
    }

    [Fact]
    public void Container_files_are_read_only_when_regular_and_inside_the_root()
    {
        using var root = new TempDirectory();
        string realRoot = UntrustedFiles.RealPath(root.Path)!;
        MakeFifo(root.Combine("train-images-idx3-ubyte"));
        File.WriteAllBytes(root.Combine("train-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 0]);

        Should.Throw<InvalidDataException>(() => new IdxReader().Read(realRoot, new UntrustedFileLimits(), CancellationToken.None))
            .Message.ShouldContain("not a regular file (a FIFO)");
    }

    // Rewrites the frame header (SOF0: FF C0, length, precision, height, width) of a small JPEG to claim another size.
    private static byte[] WithClaimedSize(byte[] jpeg, int width, int height)
    {
        var bytes = jpeg.ToArray();
        int sof = Enumerable.Range(0, bytes.Length - 1).First(i => bytes[i] == 0xFF && bytes[i + 1] == 0xC0);
        bytes[sof + 5] = (byte)(height >> 8);
        bytes[sof + 6] = (byte)height;
        bytes[sof + 7] = (byte)(width >> 8);
        bytes[sof + 8] = (byte)width;
        return bytes;
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        mkfifo.ExitCode.ShouldBe(0);
    }
}
