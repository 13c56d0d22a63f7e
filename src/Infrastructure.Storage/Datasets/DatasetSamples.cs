using System.Collections.Concurrent;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>
/// Lists a source with its format's reader and decodes sample images with the preprocessing decoder, under the same untrusted-file
/// rules. A page asks for many samples at once, and listing a large source reads every folder (or a whole IDX or CIFAR file), so
/// each dataset's listing is kept for a minute, holding only the first records of each class.
/// </summary>
public sealed class DatasetSamples(TimeProvider clock) : IDatasetSamples
{
    private const int MaxListings = 8;
    private static readonly TimeSpan ListingLifetime = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<Guid, CachedListing> listings = new();

    public async Task<SourceContents> DescribeAsync(Dataset dataset, CancellationToken cancellationToken) =>
        (await ListingOf(dataset).WaitAsync(cancellationToken)).Contents;

    public async Task<SampleImage> EncodeSampleAsync(Dataset dataset, int classIndex, int k, CancellationToken cancellationToken)
    {
        var listing = await ListingOf(dataset).WaitAsync(cancellationToken);
        var classes = listing.Contents.Classes;
        if (listing.Contents.Problem is { } problem)
        {
            return new SampleImage(null, problem);
        }

        if (classIndex < 0 || classIndex >= classes.Count)
        {
            return new SampleImage(null, $"The source has {classes.Count} classes (0 to {classes.Count - 1}); there is no class {classIndex}.");
        }

        var samples = listing.Samples[classIndex];
        if (k < 0 || k >= samples.Count)
        {
            return new SampleImage(null, $"Class '{classes[classIndex].Name}' offers {samples.Count} samples (0 to {samples.Count - 1}); there is no sample {k}.");
        }

        var limits = new UntrustedFileLimits();
        return await Task.Run(
            () => UntrustedFiles.RunBounded(() => Encode(samples[k], listing.RealRoot, limits), limits.DecodeTimeout, cancellationToken)
                ?? new SampleImage(null, $"{samples[k].Key}: {RecordDigests.TimedOut(limits)}"),
            cancellationToken);
    }

    private sealed record Listing(string RealRoot, SourceContents Contents, IReadOnlyList<IReadOnlyList<DatasetRecord>> Samples);

    private sealed record CachedListing(Lazy<Task<Listing>> Listing, DateTimeOffset ListedAt);

    private Task<Listing> ListingOf(Dataset dataset)
    {
        var now = clock.GetUtcNow();
        var cached = listings.AddOrUpdate(
            dataset.Id,
            _ => Start(dataset, now),
            (_, existing) => now - existing.ListedAt < ListingLifetime ? existing : Start(dataset, now));
        foreach (var stale in listings.OrderBy(l => l.Value.ListedAt).Take(listings.Count - MaxListings))
        {
            listings.TryRemove(stale);
        }

        return cached.Listing.Value;
    }

    // Shared by every request for the dataset, so no one request's cancellation may stop it.
    private static CachedListing Start(Dataset dataset, DateTimeOffset now) =>
        new(new Lazy<Task<Listing>>(() => Task.Run(() => Read(dataset))), now);

    private static Listing Read(Dataset dataset)
    {
        try
        {
            string realRoot = UntrustedFiles.RealPath(dataset.SourcePath)
                ?? throw new DirectoryNotFoundException($"The folder '{dataset.SourcePath}' no longer exists.");
            var records = DatasetFormatReaders.For(dataset.Format).Read(realRoot, new UntrustedFileLimits(), CancellationToken.None);
            var counts = new int[records.ClassNames.Count];
            var samples = records.ClassNames.Select(_ => new List<DatasetRecord>()).ToArray();
            foreach (var record in records.Train.Where(r => r.Label >= 0 && r.Label < counts.Length))
            {
                if (counts[record.Label]++ < SourceContents.MaxSamplesPerClass)
                {
                    samples[record.Label].Add(Detached(record));
                }
            }

            var classes = records.ClassNames.Select((name, label) => new SourceClass(name, counts[label])).ToList();
            return new Listing(realRoot, new SourceContents(classes, records.Validation?.Count, null), samples);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return new Listing("", new SourceContents([], null, e.Message), []);
        }
    }

    // The raw records of an IDX or CIFAR file are slices of the whole decompressed file: a copy lets the file's bytes go.
    private static DatasetRecord Detached(DatasetRecord record) => record is RawImageRecord raw ? raw with { Pixels = raw.Pixels.ToArray() } : record;

    private static SampleImage Encode(DatasetRecord record, string realRoot, UntrustedFileLimits limits)
    {
        try
        {
            using var bitmap = Decode(record, realRoot, limits, out string? problem);
            if (bitmap is null)
            {
                return new SampleImage(null, $"{record.Key}: {problem}");
            }

            int size = Math.Min(SourceContents.SampleSize, Math.Min(bitmap.Width, bitmap.Height));
            return new SampleImage(StoredImages.Png(size, size, 3, ImagePipeline.ResizeAndCentreCrop(bitmap, size)), null);
        }
        catch (InvalidDataException e)
        {
            return new SampleImage(null, $"{record.Key}: {e.Message}");
        }
    }

    private static SkiaSharp.SKBitmap? Decode(DatasetRecord record, string realRoot, UntrustedFileLimits limits, out string? problem)
    {
        problem = null;
        switch (record)
        {
            case RawImageRecord raw:
                var valid = raw.Validated();
                return SkiaImaging.FromPixels(valid.Width, valid.Height, valid.Channels, valid.Pixels.Span);
            case EncodedImageRecord file:
                var bytes = UntrustedFiles.TryRead(file.Path, realRoot, limits.MaxImageFileBytes, out problem);
                return bytes is null ? null : SkiaImaging.TryDecode(bytes, SourceContents.SampleSize, limits.MaxPixels, out problem);
            default:
                throw new NotSupportedException($"Unknown record type {record.GetType().Name}.");
        }
    }
}
