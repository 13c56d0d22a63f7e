using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>A record of the source and the split the store puts it in.</summary>
internal sealed record ListedRecord(DatasetRecord Record, DatasetSplit Split);

/// <summary>
/// A dataset's records in listing order, train then validation. The order names the version (see <see cref="ShardPlanner"/>)
/// and cuts it into shards, so the planner and every shard list the source the same way, here.
/// </summary>
internal sealed record DatasetListing(string RealRoot, DatasetRecords Source, List<ListedRecord> Items, ValidationHoldOut? HoldOut)
{
    public static DatasetListing Read(
        Dataset dataset, PreprocessingSettings settings, UntrustedFileLimits limits, CancellationToken cancellationToken)
    {
        string realRoot = UntrustedFiles.RealPath(dataset.SourcePath)
            ?? throw new DirectoryNotFoundException($"Dataset source '{dataset.SourcePath}' no longer exists.");
        var source = DatasetFormatReaders.For(dataset.Format).Read(realRoot, limits, cancellationToken);
        var (items, holdOut) = Split(source, settings);
        return new DatasetListing(realRoot, source, items, holdOut);
    }

    // A source without a validation split gets one held out of train by a seeded shuffle; both keep listing order.
    private static (List<ListedRecord> Items, ValidationHoldOut? HoldOut) Split(DatasetRecords source, PreprocessingSettings settings)
    {
        if (source.Validation is { } validation)
        {
            return (
                [.. source.Train.Select(r => new ListedRecord(r, DatasetSplit.Train)), .. validation.Select(r => new ListedRecord(r, DatasetSplit.Validation))],
                null);
        }

        int n = source.Train.Count;
        int heldOut = n < 2 ? 0 : Math.Clamp((int)Math.Round(n * settings.HoldOutFraction), 1, n - 1);
        var order = Enumerable.Range(0, n).ToArray();
        var random = new Random(settings.HoldOutSeed);
        for (int i = n - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var held = new bool[n];
        foreach (int index in order.AsSpan(0, heldOut))
        {
            held[index] = true;
        }

        var items = source.Train.Where((_, i) => !held[i]).Select(r => new ListedRecord(r, DatasetSplit.Train))
            .Concat(source.Train.Where((_, i) => held[i]).Select(r => new ListedRecord(r, DatasetSplit.Validation)))
            .ToList();
        return (items, new ValidationHoldOut(settings.HoldOutFraction, settings.HoldOutSeed));
    }
}
