namespace AlexNet.Experiments.Domain.Datasets;

/// <summary>One shard of a version being preprocessed: the scheduler job last queued for it, and whether its part is written.</summary>
public sealed record PreprocessShard(int Index, string? JobId, bool Done);

/// <summary>
/// A version being preprocessed in shards, as a waiting run sees it: its shards (in index order), and once every shard is done,
/// whether a merge was claimed (<see cref="MergeClaimed"/>) and the job last queued for it.
/// </summary>
public sealed record VersionPreprocessing(string ContentHash, IReadOnlyList<PreprocessShard> Shards, bool MergeClaimed, string? MergeJobId)
{
    /// <summary>The shard index under which the merge's job is recorded.</summary>
    public const int Merge = -1;

    public bool AllShardsDone => Shards.All(s => s.Done);
}
