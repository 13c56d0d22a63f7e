using AlexNet.Experiments.Domain.Datasets;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>What the shards and the merge need of the listing, so they never hash the whole source again.</summary>
/// <remarks>Written as <see cref="ShardLayout.PlanFile"/>: its properties are an on-disk format.</remarks>
internal sealed record ShardPlan(
    string ContentHash, PreprocessingSettings Settings, IReadOnlyList<string> ClassNames, IReadOnlyList<SkippedFile> SourceSkipped,
    ValidationHoldOut? HoldOut, int Items, int ImagesPerShard, IReadOnlyDictionary<int, string> Unreadable)
{
    public int Shards => Math.Max(1, (int)(((long)Items + ImagesPerShard - 1) / ImagesPerShard));

    public (int Start, int Count) Range(int shard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, Shards);
        int start = (int)Math.Min((long)shard * ImagesPerShard, Items);
        return (start, Math.Min(ImagesPerShard, Items - start));
    }
}

/// <summary>What one shard wrote, read back by the merge; written as <see cref="ShardLayout.PartFile"/>.</summary>
internal sealed record ShardPart(int TrainCount, int ValidationCount, IReadOnlyList<SkippedFile> Skipped);
