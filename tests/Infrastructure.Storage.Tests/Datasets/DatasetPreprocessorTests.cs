using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Tests.Shared;
using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests.Datasets;

/// <summary>One generated dataset (3 classes x 4 train x 2 val, 32px) preprocessed once and shared by the read-only tests.</summary>
public sealed class PreprocessedDatasetFixture : IAsyncLifetime
{
    public const int ImageSize = 32;

    private readonly TempDirectory _root = new();

    public string SourcePath => _root.Combine("source");

    public string StoreRoot => _root.Combine("store");

    public Dataset Dataset { get; private set; } = null!;

    public DatasetVersion Version { get; private set; } = null!;

    public List<PreprocessingProgress> Progress { get; } = [];

    public async Task InitializeAsync()
    {
        await new SyntheticDatasetGenerator().GenerateAsync(new SyntheticDatasetSpec(3, 4, 2, ImageSize, Seed: 11), SourcePath, CancellationToken.None);
        Dataset = new Dataset(Guid.NewGuid(), "tiny", SourcePath, DatasetFormat.ImageFolder, DateTimeOffset.UnixEpoch);
        Version = await new DatasetPreprocessor().PreprocessAsync(
            Dataset, new PreprocessingSettings(ImageSize), StoreRoot, new SynchronousProgress<PreprocessingProgress>(Progress.Add), CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        _root.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Progress&lt;T&gt; posts to the thread pool; tests need the reports in order and complete when the call returns.</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

public sealed class DatasetPreprocessorTests(PreprocessedDatasetFixture fixture) : IClassFixture<PreprocessedDatasetFixture>
{
    private const int S = PreprocessedDatasetFixture.ImageSize;

    [Fact]
    public void Writes_the_store_with_the_documented_sizes()
    {
        var version = fixture.Version;
        version.ContentHash.ShouldMatch("^[0-9a-f]{64}$");
        version.StorePath.ShouldBe(Path.Combine(Path.GetFullPath(fixture.StoreRoot), version.ContentHash));
        version.DatasetId.ShouldBe(fixture.Dataset.Id);
        version.Settings.ShouldBe(new PreprocessingSettings(S));
        version.ClassNames.ShouldBe(["00-circle-red", "01-square-orange", "02-triangle-yellow"]);
        version.TrainCount.ShouldBe(12);
        version.ValidationCount.ShouldBe(6);
        version.SkippedCount.ShouldBe(0);
        version.HoldOut.ShouldBeNull();

        string store = version.StorePath;
        new FileInfo(Path.Combine(store, "train.bin")).Length.ShouldBe(12L * S * S * 3);
        new FileInfo(Path.Combine(store, "train.labels")).Length.ShouldBe(12L * 4);
        new FileInfo(Path.Combine(store, "val.bin")).Length.ShouldBe(6L * S * S * 3);
        new FileInfo(Path.Combine(store, "val.labels")).Length.ShouldBe(6L * 4);
        new FileInfo(Path.Combine(store, "mean.bin")).Length.ShouldBe((long)S * S * 3 * 4);
        File.ReadAllText(Path.Combine(store, "version.json")).ShouldContain("\"classNames\"");

        // Only the published store remains: the temp folder was renamed, not left behind.
        Directory.GetFileSystemEntries(fixture.StoreRoot).ShouldBe([store]);

        var read = PreprocessedSplit.ReadVersion(store);
        read.ContentHash.ShouldBe(version.ContentHash);
        read.ClassNames.ShouldBe(version.ClassNames);
        read.ColourPca.Eigenvalues.ShouldBe(version.ColourPca.Eigenvalues);
        read.ColourPca.Eigenvectors.ShouldBe(version.ColourPca.Eigenvectors);
        read.CreatedAt.ShouldBe(version.CreatedAt);
    }

    [Fact]
    public void Splits_hold_images_and_labels_in_listing_order()
    {
        using var train = PreprocessedSplit.Open(fixture.Version.StorePath, DatasetSplit.Train, S);
        using var validation = PreprocessedSplit.Open(fixture.Version.StorePath, DatasetSplit.Validation, S);

        train.Count.ShouldBe(12);
        train.ImageSize.ShouldBe(S);
        Enumerable.Range(0, 12).Select(train.Label).ShouldBe([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
        Enumerable.Range(0, 6).Select(validation.Label).ShouldBe([0, 0, 1, 1, 2, 2]);
        train.Image(11).Length.ShouldBe(S * S * 3);

        // The stored image is the source decoded, shorter side scaled and centre-cropped.
        var first = Directory.GetFiles(Path.Combine(fixture.SourcePath, "train", "00-circle-red")).Order(StringComparer.Ordinal).First();
        using var decoded = SkiaImaging.TryDecode(File.ReadAllBytes(first), 0, long.MaxValue, out _)!;
        var expected = DatasetPreprocessor.ResizeAndCentreCrop(decoded, S);
        train.Image(0).ToArray().ShouldBe(expected);
        Should.Throw<ArgumentOutOfRangeException>(() => train.Image(12).Length);
    }

    [Fact]
    public void Streaming_mean_and_covariance_equal_a_direct_computation()
    {
        using var train = PreprocessedSplit.Open(fixture.Version.StorePath, DatasetSplit.Train, S);
        int values = S * S * 3;
        var mean = new double[values];
        var channelMean = new double[3];
        for (int n = 0; n < train.Count; n++)
        {
            var image = train.Image(n);
            for (int i = 0; i < values; i++)
            {
                mean[i] += image[i];
                channelMean[i % 3] += image[i];
            }
        }

        long pixels = (long)train.Count * S * S;
        for (int i = 0; i < values; i++)
        {
            mean[i] /= train.Count;
        }

        for (int c = 0; c < 3; c++)
        {
            channelMean[c] /= pixels;
        }

        var covariance = new double[9];
        for (int n = 0; n < train.Count; n++)
        {
            var image = train.Image(n);
            for (int p = 0; p < values; p += 3)
            {
                for (int r = 0; r < 3; r++)
                {
                    for (int c = 0; c < 3; c++)
                    {
                        covariance[r * 3 + c] += (image[p + r] - channelMean[r]) * (image[p + c] - channelMean[c]);
                    }
                }
            }
        }

        for (int i = 0; i < 9; i++)
        {
            covariance[i] /= pixels;
        }

        var stored = PreprocessedSplit.ReadMeanImage(fixture.Version.StorePath, S);
        stored.Length.ShouldBe(values);
        for (int i = 0; i < values; i++)
        {
            stored[i].ShouldBe((float)mean[i]);
        }

        // The store keeps the covariance as its eigen-decomposition: V diag(lambda) V^T must give it back.
        var pca = fixture.Version.ColourPca;
        pca.Eigenvalues[0].ShouldBeGreaterThanOrEqualTo(pca.Eigenvalues[1]);
        pca.Eigenvalues[1].ShouldBeGreaterThanOrEqualTo(pca.Eigenvalues[2]);
        for (int r = 0; r < 3; r++)
        {
            for (int c = 0; c < 3; c++)
            {
                double rebuilt = 0;
                for (int i = 0; i < 3; i++)
                {
                    rebuilt += pca.Eigenvectors[r * 3 + i] * pca.Eigenvalues[i] * pca.Eigenvectors[c * 3 + i];
                }

                rebuilt.ShouldBe(covariance[r * 3 + c], 1e-9 * Math.Abs(covariance[0] + covariance[4] + covariance[8]));
            }
        }
    }

    [Fact]
    public void Reports_progress_up_to_the_total()
    {
        fixture.Progress.ShouldNotBeEmpty();
        fixture.Progress[^1].ShouldBe(new PreprocessingProgress(18, 0, 18));
        fixture.Progress.Select(p => p.Processed).ShouldBeInOrder();
    }

    [Fact]
    public async Task Reuses_an_existing_version_and_a_changed_file_changes_the_hash()
    {
        using var root = new TempDirectory();
        await new SyntheticDatasetGenerator().GenerateAsync(new SyntheticDatasetSpec(2, 2, 1, 16, Seed: 3), root.Combine("source"), CancellationToken.None);
        var dataset = new Dataset(Guid.NewGuid(), "reuse", root.Combine("source"), DatasetFormat.ImageFolder, DateTimeOffset.UnixEpoch);
        var preprocessor = new DatasetPreprocessor();
        string storeRoot = root.Combine("store");

        var first = await preprocessor.PreprocessAsync(dataset, new PreprocessingSettings(16), storeRoot, null, CancellationToken.None);
        var marker = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        foreach (var file in Directory.GetFiles(first.StorePath))
        {
            File.SetLastWriteTimeUtc(file, marker);
        }

        var progress = new List<PreprocessingProgress>();
        var again = await preprocessor.PreprocessAsync(
            dataset, new PreprocessingSettings(16), storeRoot, new SynchronousProgress<PreprocessingProgress>(progress.Add), CancellationToken.None);

        progress.ShouldBe([new PreprocessingProgress(6, 0, 6)]);
        again.ContentHash.ShouldBe(first.ContentHash);
        again.CreatedAt.ShouldBe(first.CreatedAt);
        Directory.GetFiles(first.StorePath).ShouldAllBe(file => File.GetLastWriteTimeUtc(file) == marker);

        var otherSize = await preprocessor.PreprocessAsync(dataset, new PreprocessingSettings(12), storeRoot, null, CancellationToken.None);
        otherSize.ContentHash.ShouldNotBe(first.ContentHash);

        // An empty class folder shifts no image but changes the class list, hence the labels' meaning.
        Directory.CreateDirectory(Path.Combine(dataset.SourcePath, "train", "99-empty"));
        var withEmptyClass = await preprocessor.PreprocessAsync(dataset, new PreprocessingSettings(16), storeRoot, null, CancellationToken.None);
        withEmptyClass.ContentHash.ShouldNotBe(first.ContentHash);
        withEmptyClass.ClassNames.Count.ShouldBe(3);
        Directory.Delete(Path.Combine(dataset.SourcePath, "train", "99-empty"));

        var image = Directory.GetFiles(Path.Combine(dataset.SourcePath, "train"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Last();
        File.WriteAllBytes(image, TestImages.Encode(20, 16, (x, _) => ((byte)(x * 10), 0, 0), SKEncodedImageFormat.Jpeg));
        var changed = await preprocessor.PreprocessAsync(dataset, new PreprocessingSettings(16), storeRoot, null, CancellationToken.None);

        changed.ContentHash.ShouldNotBe(first.ContentHash);
        changed.TrainCount.ShouldBe(4);
        Directory.Exists(first.StorePath).ShouldBeTrue();
        Directory.Exists(changed.StorePath).ShouldBeTrue();
    }

    [Fact]
    public async Task Skips_and_counts_a_corrupt_image_without_failing()
    {
        using var root = new TempDirectory();
        string source = root.Combine("source");
        await new SyntheticDatasetGenerator().GenerateAsync(new SyntheticDatasetSpec(2, 3, 1, 16, Seed: 4), source, CancellationToken.None);
        var junk = new byte[2048];
        new Random(9).NextBytes(junk);
        File.WriteAllBytes(Path.Combine(source, "train", "00-circle-red", "zz-corrupt.jpg"), junk);
        var progress = new List<PreprocessingProgress>();

        var version = await new DatasetPreprocessor().PreprocessAsync(
            new Dataset(Guid.NewGuid(), "corrupt", source, DatasetFormat.ImageFolder, DateTimeOffset.UnixEpoch), new PreprocessingSettings(16), root.Combine("store"),
            new SynchronousProgress<PreprocessingProgress>(progress.Add), CancellationToken.None);

        version.Skipped.ShouldBe([new SkippedFile("train/00-circle-red/zz-corrupt.jpg", "not a decodable JPEG or PNG image")]);
        version.TrainCount.ShouldBe(6);
        version.ValidationCount.ShouldBe(2);
        progress[^1].ShouldBe(new PreprocessingProgress(9, 1, 9));
        using var train = PreprocessedSplit.Open(version.StorePath, DatasetSplit.Train, 16);
        Enumerable.Range(0, train.Count).Select(train.Label).ShouldBe([0, 0, 0, 1, 1, 1]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Scales_the_shorter_side_and_crops_the_centre(bool portrait)
    {
        // Eight 8px stripes across the longer side (64px); at 16px the image is 32 long and the crop keeps stripes 2..5.
        using var root = new TempDirectory();
        static (byte, byte, byte) Stripe(int k) => ((byte)(30 * k), (byte)(255 - 30 * k), (byte)(k * 97 % 256));
        var png = portrait
            ? TestImages.Encode(32, 64, (_, y) => Stripe(y / 8), SKEncodedImageFormat.Png)
            : TestImages.Encode(64, 32, (x, _) => Stripe(x / 8), SKEncodedImageFormat.Png);
        TestImages.Write(root.Combine("source", "train", "a", "stripes.png"), png);

        var version = await new DatasetPreprocessor().PreprocessAsync(
            new Dataset(Guid.NewGuid(), "stripes", root.Combine("source"), DatasetFormat.ImageFolder, DateTimeOffset.UnixEpoch), new PreprocessingSettings(16), root.Combine("store"),
            null, CancellationToken.None);

        using var train = PreprocessedSplit.Open(version.StorePath, DatasetSplit.Train, 16);
        var image = train.Image(0);
        for (int k = 0; k < 4; k++)
        {
            var (r, g, b) = Stripe(k + 2);
            foreach (int along in new[] { 4 * k + 1, 4 * k + 2 })
            {
                for (int across = 0; across < 16; across++)
                {
                    int pixel = portrait ? (along * 16 + across) * 3 : (across * 16 + along) * 3;
                    ((int)image[pixel]).ShouldBeInRange(r - 2, r + 2);
                    ((int)image[pixel + 1]).ShouldBeInRange(g - 2, g + 2);
                    ((int)image[pixel + 2]).ShouldBeInRange(b - 2, b + 2);
                }
            }
        }
    }

    [Fact]
    public async Task Cancellation_leaves_no_store_behind()
    {
        using var root = new TempDirectory();
        TestImages.Write(root.Combine("source", "train", "a", "1.png"), TestImages.SolidPng(1, 2, 3));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new DatasetPreprocessor().PreprocessAsync(
            new Dataset(Guid.NewGuid(), "cancelled", root.Combine("source"), DatasetFormat.ImageFolder, DateTimeOffset.UnixEpoch), new PreprocessingSettings(8), root.Combine("store"),
            null, cancelled.Token));

        (Directory.Exists(root.Combine("store")) && Directory.EnumerateFileSystemEntries(root.Combine("store")).Any()).ShouldBeFalse();
    }
}
