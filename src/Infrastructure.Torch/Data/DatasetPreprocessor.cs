using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AlexNet.Experiments.Domain.Datasets;
using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Torch.Data;

/// <summary>
/// Turns an image-folder source into the compact store (see <see cref="StoreFiles"/>) under {storeRoot}/{contentHash}.
/// Two passes: a hashing pass decides whether the version already exists; the processing pass decodes, resizes
/// and writes in listing order while accumulating the training mean image and RGB covariance.
/// </summary>
public sealed class DatasetPreprocessor(IDatasetReader reader, TimeProvider? timeProvider = null) : IDatasetPreprocessor
{
    // Bump when the decoding/resizing pipeline changes what bytes a source produces, so old stores are not reused.
    private const string FormatTag = "alexnet-store-v1";

    private static readonly byte[] UnreadableDigest = new byte[SHA256.HashSizeInBytes];

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Upper bound on threads used for hashing and decoding.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    public Task<DatasetVersion> PreprocessAsync(
        Dataset dataset, PreprocessingSettings settings, string storeRoot, IProgress<PreprocessingProgress>? progress, CancellationToken cancellationToken) =>
        Task.Run(() => Preprocess(dataset, settings, storeRoot, progress, cancellationToken), cancellationToken);

    /// <summary>Scales the shorter side of <paramref name="image"/> to <paramref name="size"/> and returns the centre crop as HWC RGB.</summary>
    public static byte[] ResizeAndCentreCrop(DecodedImage image, int size)
    {
        using var bitmap = SkiaImaging.FromDecodedImage(image);
        var rgb = new byte[StoreFiles.ImageBytes(size)];
        SkiaImaging.ResizeShorterSideAndCentreCrop(bitmap, size, rgb);
        return rgb;
    }

    private DatasetVersion Preprocess(
        Dataset dataset, PreprocessingSettings settings, string storeRoot, IProgress<PreprocessingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.ImageSize);
        var classNames = reader.ReadClassNames(dataset.SourcePath);
        var images = reader.ListImages(dataset.SourcePath, DatasetSplit.Train)
            .Concat(reader.ListImages(dataset.SourcePath, DatasetSplit.Validation))
            .ToList();

        byte[][] digests = HashFiles(images, cancellationToken);
        string hash = ContentHash(dataset.SourcePath, settings, classNames, images, digests);
        string storePath = Path.GetFullPath(Path.Combine(storeRoot, hash));
        if (StoreFiles.IsComplete(storePath, out var existing))
        {
            progress?.Report(new PreprocessingProgress(images.Count, existing.SkippedCount, images.Count));
            return existing with { DatasetId = dataset.Id };
        }

        Directory.CreateDirectory(storeRoot);
        string temporary = Path.Combine(storeRoot, $".tmp-{hash}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        try
        {
            var (trainCount, validationCount, skipped, pca) = Write(temporary, settings.ImageSize, images, digests, progress, cancellationToken);
            var version = new DatasetVersion(
                hash, dataset.Id, settings, classNames, trainCount, validationCount, skipped, pca, storePath, _time.GetUtcNow());
            File.WriteAllText(Path.Combine(temporary, StoreFiles.Version), JsonSerializer.Serialize(version, StoreFiles.Json));
            return Publish(temporary, storePath, version, dataset.Id);
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    // The rename is the commit point: a crash before it leaves only a .tmp folder, never a half store under the hash.
    private static DatasetVersion Publish(string temporary, string storePath, DatasetVersion version, Guid datasetId)
    {
        if (Directory.Exists(storePath))
        {
            if (StoreFiles.IsComplete(storePath, out var raced))
            {
                return raced with { DatasetId = datasetId };
            }

            Directory.Delete(storePath, recursive: true);
        }

        try
        {
            Directory.Move(temporary, storePath);
        }
        catch (IOException) when (StoreFiles.IsComplete(storePath, out var raced))
        {
            // Another process published the same version between our check and the rename.
            return raced with { DatasetId = datasetId };
        }

        return version;
    }

    private byte[][] HashFiles(List<LabelledImage> images, CancellationToken cancellationToken)
    {
        var digests = new byte[images.Count][];
        var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = MaxDegreeOfParallelism };
        Parallel.For(0, images.Count, options, i =>
        {
            try
            {
                using var stream = File.OpenRead(images[i].Path);
                digests[i] = SHA256.HashData(stream);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                digests[i] = UnreadableDigest;
            }
        });
        return digests;
    }

    private static string ContentHash(
        string sourcePath, PreprocessingSettings settings, IReadOnlyList<string> classNames, List<LabelledImage> images, byte[][] digests)
    {
        // Per-file digests stand in for the file bytes so hashing can run in parallel; the outer hash keeps listing order.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, $"{FormatTag}\nimageSize={settings.ImageSize}\n");
        // Labels are indices into the class list, so an added or removed (even empty) class folder is a new version.
        Append(hash, $"classes={string.Join('\t', classNames)}\n");
        for (int i = 0; i < images.Count; i++)
        {
            var image = images[i];
            string relative = Path.GetRelativePath(sourcePath, image.Path).Replace('\\', '/');
            Append(hash, $"{image.Split}\t{classNames[image.ClassIndex]}\t{relative}\t");
            hash.AppendData(digests[i]);
            Append(hash, "\n");
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void Append(IncrementalHash hash, string text) => hash.AppendData(Encoding.UTF8.GetBytes(text));

    private (int Train, int Validation, int Skipped, ColourPca Pca) Write(
        string folder, int size, List<LabelledImage> images, byte[][] digests, IProgress<PreprocessingProgress>? progress, CancellationToken cancellationToken)
    {
        int imageBytes = checked((int)StoreFiles.ImageBytes(size));
        // Bounded memory: a chunk of decoded crops is produced in parallel, then written in listing order.
        int chunk = Math.Max(1, MaxDegreeOfParallelism) * 16;
        var pixels = new byte[chunk * imageBytes];
        var decoded = new bool[chunk];
        var changed = new bool[chunk];
        var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = MaxDegreeOfParallelism };
        var statistics = new TrainingStatistics(size);

        using var trainImages = Create(folder, StoreFiles.Images(DatasetSplit.Train));
        using var trainLabels = Create(folder, StoreFiles.Labels(DatasetSplit.Train));
        using var validationImages = Create(folder, StoreFiles.Images(DatasetSplit.Validation));
        using var validationLabels = Create(folder, StoreFiles.Labels(DatasetSplit.Validation));
        int train = 0, validation = 0, skipped = 0;
        Span<byte> label = stackalloc byte[sizeof(int)];

        for (int start = 0; start < images.Count; start += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(chunk, images.Count - start);
            Parallel.For(0, count, options, i =>
            {
                var slot = pixels.AsSpan(i * imageBytes, imageBytes);
                (decoded[i], changed[i]) = Process(images[start + i].Path, digests[start + i], size, slot);
            });

            for (int i = 0; i < count; i++)
            {
                var image = images[start + i];
                if (changed[i])
                {
                    throw new InvalidOperationException($"'{image.Path}' changed while the dataset was being preprocessed; run it again.");
                }

                if (!decoded[i])
                {
                    skipped++;
                    continue;
                }

                var crop = pixels.AsSpan(i * imageBytes, imageBytes);
                BinaryPrimitives.WriteInt32LittleEndian(label, image.ClassIndex);
                if (image.Split == DatasetSplit.Train)
                {
                    trainImages.Write(crop);
                    trainLabels.Write(label);
                    statistics.Add(crop);
                    train++;
                }
                else
                {
                    validationImages.Write(crop);
                    validationLabels.Write(label);
                    validation++;
                }
            }

            progress?.Report(new PreprocessingProgress(start + count, skipped, images.Count));
        }

        if (train == 0)
        {
            throw new InvalidDataException("The dataset has no decodable training images.");
        }

        using (var mean = Create(folder, StoreFiles.Mean))
        {
            mean.Write(statistics.MeanImageBytes());
            mean.Flush(flushToDisk: true);
        }

        // On disk before the rename publishes them, so a power cut cannot leave a published store with lost pages.
        foreach (var stream in new[] { trainImages, trainLabels, validationImages, validationLabels })
        {
            stream.Flush(flushToDisk: true);
        }

        var (values, vectors) = SymmetricEigen.Decompose(statistics.Covariance(), 3);
        return (train, validation, skipped, new ColourPca(values, vectors));
    }

    private (bool Decoded, bool Changed) Process(string path, byte[] digest, int size, Span<byte> crop)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (false, !ReferenceEquals(digest, UnreadableDigest));
        }

        // The hash names the store, so the bytes decoded must be the bytes hashed.
        if (!SHA256.HashData(bytes).AsSpan().SequenceEqual(digest))
        {
            return (false, true);
        }

        using SKBitmap? bitmap = reader is ImageFolderDatasetReader
            ? SkiaImaging.TryDecode(bytes, size)
            : reader.TryDecode(path) is { } image ? SkiaImaging.FromDecodedImage(image) : null;
        if (bitmap is null)
        {
            return (false, false);
        }

        SkiaImaging.ResizeShorterSideAndCentreCrop(bitmap, size, crop);
        return (true, false);
    }

    private static FileStream Create(string folder, string name) =>
        new(Path.Combine(folder, name), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);

    /// <summary>
    /// Streaming per-pixel mean and 3x3 RGB covariance of the training crops. Integer sums are exact,
    /// so the result does not depend on summation order and matches a direct computation.
    /// </summary>
    private sealed class TrainingStatistics(int size)
    {
        private readonly long[] _pixelSums = new long[size * size * 3];
        private readonly long[] _channelSums = new long[3];
        private readonly long[] _productSums = new long[9];
        private long _images;

        public void Add(ReadOnlySpan<byte> crop)
        {
            long r = 0, g = 0, b = 0, rr = 0, gg = 0, bb = 0, rg = 0, rb = 0, gb = 0;
            var sums = _pixelSums.AsSpan(0, crop.Length);
            for (int i = 0; i < crop.Length; i += 3)
            {
                int pr = crop[i], pg = crop[i + 1], pb = crop[i + 2];
                sums[i] += pr;
                sums[i + 1] += pg;
                sums[i + 2] += pb;
                r += pr;
                g += pg;
                b += pb;
                rr += pr * pr;
                gg += pg * pg;
                bb += pb * pb;
                rg += pr * pg;
                rb += pr * pb;
                gb += pg * pb;
            }

            _channelSums[0] += r;
            _channelSums[1] += g;
            _channelSums[2] += b;
            _productSums[0] += rr;
            _productSums[1] += rg;
            _productSums[2] += rb;
            _productSums[4] += gg;
            _productSums[5] += gb;
            _productSums[8] += bb;
            _images++;
        }

        public byte[] MeanImageBytes()
        {
            var bytes = new byte[_pixelSums.Length * sizeof(float)];
            for (int i = 0; i < _pixelSums.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), (float)((double)_pixelSums[i] / _images));
            }

            return bytes;
        }

        /// <summary>Population covariance, row-major 3x3, on the 0..255 scale.</summary>
        public double[] Covariance()
        {
            Int128 pixels = (Int128)_images * (_pixelSums.Length / 3);
            double denominator = (double)pixels * (double)pixels;
            var covariance = new double[9];
            for (int row = 0; row < 3; row++)
            {
                for (int column = row; column < 3; column++)
                {
                    // N * sum(xy) - sum(x) * sum(y) in 128-bit integers: exact, no cancellation.
                    Int128 numerator = pixels * _productSums[row * 3 + column] - (Int128)_channelSums[row] * _channelSums[column];
                    covariance[row * 3 + column] = covariance[column * 3 + row] = (double)numerator / denominator;
                }
            }

            return covariance;
        }
    }
}
