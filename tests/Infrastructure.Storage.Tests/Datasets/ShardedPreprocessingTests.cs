using System.Security.Cryptography;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Tests.Shared;
using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests.Datasets;

/// <summary>Sharded preprocessing against the single pass on the same files: same bytes, hash, mean image and colour PCA.</summary>
public sealed class ShardedPreprocessingTests : IDisposable
{
    private readonly TempDirectory root = new();

    public void Dispose() => root.Dispose();

    // What the single-pass preprocessor produced for this dataset before preprocessing was sharded (commit da22e1d): content
    // hash, SHA-256 of mean.bin and train.bin, counts, and the bits of the PCA's eigenvalues and eigenvectors.
    private const string SinglePassBeforeSharding =
        "b3b6f75ff445b20112fec7e6c0024e9e3d79cfd390b58ea08db90723f1389328 9ef3e79a413e1258daf0c994e041954ea638566208501c9ab9a2eca01759d5ab " +
        "7343fd1f922f4df45d0499fca419f5586a7af039255b3af3b018c80bb332dad4 45 7 4657839538587986415,4657749541638025757,4657698189168641025 " +
        "4605103945568636577,-4623223130666573087,4602932696266288780,-4620194765429304935,4584859664940160811,4605660062147837638," +
        "4599364377104247698,4606574897065302317,4595458565422419303";

    private static readonly string[] StoreFileNames = ["train.bin", "train.labels", "val.bin", "val.labels", "mean.bin"];

    [Fact]
    public async Task Shards_finished_in_a_shuffled_order_give_the_single_pass_bytes_hash_mean_and_pca()
    {
        var dataset = WriteCifar();
        var settings = new PreprocessingSettings(24);
        var single = await new DatasetPreprocessor().PreprocessAsync(dataset, settings, root.Combine("single"), null, CancellationToken.None);
        Fingerprint(single).ShouldBe(SinglePassBeforeSharding);

        var sharded = await ShardedAsync(new DatasetPreprocessor { ImagesPerShard = 7 }, dataset, settings, root.Combine("sharded"), expectedShards: 8);

        Fingerprint(sharded).ShouldBe(SinglePassBeforeSharding);
        AssertSameStore(sharded, single);
    }

    [Fact]
    public async Task Held_out_validation_and_skipped_files_survive_shard_boundaries_in_listing_order()
    {
        var dataset = WriteImageFolder();
        var settings = new PreprocessingSettings(12, HoldOutFraction: 0.25, HoldOutSeed: 3);
        var single = await new DatasetPreprocessor().PreprocessAsync(dataset, settings, root.Combine("single"), null, CancellationToken.None);
        single.Skipped.Count.ShouldBe(3);
        single.HoldOut.ShouldNotBeNull();

        var sharded = await ShardedAsync(new DatasetPreprocessor { ImagesPerShard = 4 }, dataset, settings, root.Combine("sharded"), expectedShards: 5);

        AssertSameStore(sharded, single);
        sharded.Skipped.ShouldBe(single.Skipped);
        (sharded.TrainCount, sharded.ValidationCount, sharded.HoldOut).ShouldBe((single.TrainCount, single.ValidationCount, single.HoldOut));
    }

    [Fact]
    public async Task A_shard_or_merge_run_again_changes_nothing_and_a_merge_before_the_last_shard_fails()
    {
        var dataset = WriteCifar();
        var preprocessor = new DatasetPreprocessor { ImagesPerShard = 20 };
        string store = root.Combine("store");
        var plan = await preprocessor.PlanAsync(dataset, new PreprocessingSettings(8), store, null, CancellationToken.None);
        plan.Shards.ShouldBe(3);
        (await preprocessor.PlanAsync(dataset, new PreprocessingSettings(8), store, null, CancellationToken.None)).ShouldBe(plan);

        await preprocessor.PreprocessShardAsync(dataset, store, plan.ContentHash, 0, null, CancellationToken.None);
        await preprocessor.PreprocessShardAsync(dataset, store, plan.ContentHash, 2, null, CancellationToken.None);
        var early = await Should.ThrowAsync<InvalidOperationException>(() => preprocessor.MergeAsync(dataset, store, plan.ContentHash, CancellationToken.None));
        early.Message.ShouldContain("Shard 1");

        await preprocessor.PreprocessShardAsync(dataset, store, plan.ContentHash, 1, null, CancellationToken.None);
        await preprocessor.PreprocessShardAsync(dataset, store, plan.ContentHash, 1, null, CancellationToken.None);
        var version = await preprocessor.MergeAsync(dataset, store, plan.ContentHash, CancellationToken.None);
        var again = await preprocessor.MergeAsync(dataset, store, plan.ContentHash, CancellationToken.None);

        Fingerprint(again).ShouldBe(Fingerprint(version));
        Directory.GetDirectories(store, ".*").ShouldBeEmpty(); // the parts and temporary folders are gone once published
        var replanned = await preprocessor.PlanAsync(dataset, new PreprocessingSettings(8), store, null, CancellationToken.None);
        replanned.Existing.ShouldNotBeNull().ContentHash.ShouldBe(plan.ContentHash);
    }

    /// <summary>Plans, then runs the shards two at a time in a seeded shuffled order, then merges.</summary>
    private static async Task<DatasetVersion> ShardedAsync(DatasetPreprocessor preprocessor, Dataset dataset, PreprocessingSettings settings, string store, int expectedShards)
    {
        var plan = await preprocessor.PlanAsync(dataset, settings, store, null, CancellationToken.None);
        plan.Existing.ShouldBeNull();
        plan.Shards.ShouldBe(expectedShards);
        var order = Enumerable.Range(0, plan.Shards).ToArray();
        new Random(5).Shuffle(order);
        order.ShouldNotBe(Enumerable.Range(0, plan.Shards).ToArray());
        foreach (var pair in order.Chunk(2))
        {
            await Task.WhenAll(pair.Select(shard => preprocessor.PreprocessShardAsync(dataset, store, plan.ContentHash, shard, null, CancellationToken.None)));
        }

        return await preprocessor.MergeAsync(dataset, store, plan.ContentHash, CancellationToken.None);
    }

    private static void AssertSameStore(DatasetVersion actual, DatasetVersion expected)
    {
        actual.ContentHash.ShouldBe(expected.ContentHash);
        actual.StorePath.ShouldNotBe(expected.StorePath);
        foreach (var name in StoreFileNames)
        {
            File.ReadAllBytes(Path.Combine(actual.StorePath, name)).ShouldBe(File.ReadAllBytes(Path.Combine(expected.StorePath, name)), name);
        }

        actual.ColourPca.Eigenvalues.Select(BitConverter.DoubleToInt64Bits).ShouldBe(expected.ColourPca.Eigenvalues.Select(BitConverter.DoubleToInt64Bits));
        actual.ColourPca.Eigenvectors.Select(BitConverter.DoubleToInt64Bits).ShouldBe(expected.ColourPca.Eigenvectors.Select(BitConverter.DoubleToInt64Bits));
    }

    private static string Fingerprint(DatasetVersion version) => string.Join(" ",
        version.ContentHash, Sha256(version, "mean.bin"), Sha256(version, "train.bin"), version.TrainCount, version.ValidationCount,
        string.Join(",", version.ColourPca.Eigenvalues.Select(BitConverter.DoubleToInt64Bits)),
        string.Join(",", version.ColourPca.Eigenvectors.Select(BitConverter.DoubleToInt64Bits)));

    private static string Sha256(DatasetVersion version, string file) =>
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(version.StorePath, file))));

    /// <summary>Two classes of 9 small PNGs each, of seeded colours and sizes, with three corrupt files among them.</summary>
    private Dataset WriteImageFolder()
    {
        string source = root.Combine("folder");
        var random = new Random(17);
        foreach (var label in new[] { "cat", "dog" })
        {
            string folder = Path.Combine(source, "train", label);
            Directory.CreateDirectory(folder);
            for (int i = 0; i < 9; i++)
            {
                string path = Path.Combine(folder, $"{i:D2}.png");
                if ((label, i) is ("cat", 2) or ("cat", 7) or ("dog", 4))
                {
                    File.WriteAllBytes(path, [0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
                    continue;
                }

                var (r, g, b) = ((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                File.WriteAllBytes(path, TestImages.Encode(10 + random.Next(10), 10 + random.Next(10), (x, y) => ((byte)(r + x), (byte)(g + y), b), SKEncodedImageFormat.Png));
            }
        }

        return new Dataset(Guid.NewGuid(), "folder", source, DatasetFormat.ImageFolder, DateTimeOffset.UnixEpoch);
    }

    /// <summary>CIFAR-10 batches of seeded random pixels: 5 x 9 training images and 7 test images, 3 classes.</summary>
    private Dataset WriteCifar()
    {
        string source = root.Combine("cifar");
        Directory.CreateDirectory(source);
        var random = new Random(11);
        for (int batch = 1; batch <= 6; batch++)
        {
            int images = batch == 6 ? 7 : 9;
            var bytes = new byte[images * 3073];
            random.NextBytes(bytes);
            for (int i = 0; i < images; i++)
            {
                bytes[i * 3073] = (byte)(bytes[i * 3073] % 3);
            }

            File.WriteAllBytes(Path.Combine(source, batch == 6 ? "test_batch.bin" : $"data_batch_{batch}.bin"), bytes);
        }

        File.WriteAllText(Path.Combine(source, "batches.meta.txt"), "airplane\nautomobile\nbird\n");
        return new Dataset(Guid.NewGuid(), "cifar", source, DatasetFormat.Cifar10, DateTimeOffset.UnixEpoch);
    }
}
