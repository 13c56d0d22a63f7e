namespace AlexNet.Experiments.Domain.Datasets;

/// <summary>Where datasets may come from: the configured dataset roots, and the layout each format needs.</summary>
public interface IDatasetSources
{
    /// <summary>
    /// Resolves <paramref name="requestedPath"/> (relative paths against the data directory) and checks that it lies
    /// under a configured dataset root and holds a source in <paramref name="format"/> with at least one decodable training image.
    /// </summary>
    Task<DatasetSourceCheck> CheckAsync(string requestedPath, DatasetFormat format, CancellationToken cancellationToken);

    /// <summary>Classes and images a registered source lists (nothing decoded): what a run's footprint is estimated from.</summary>
    Task<DatasetSize> MeasureAsync(Dataset dataset, CancellationToken cancellationToken);
}

public sealed record DatasetSize(int Classes, long Images);

/// <summary>The resolved source path, or why the source cannot be registered (<see cref="Problem"/>).</summary>
public sealed record DatasetSourceCheck(string? SourcePath, string? Problem)
{
    public static DatasetSourceCheck Valid(string sourcePath) => new(sourcePath, null);

    public static DatasetSourceCheck Invalid(string problem) => new(null, problem);
}

/// <summary>
/// Turns a dataset source into a compact, preprocessed version with its mean image and colour PCA, in bounded pieces: a plan
/// (list and hash the source), shards (decode fixed record ranges, each with partial statistics; any order, any worker), and a
/// merge (sum the statistics in shard order, concatenate, publish). Every piece is idempotent.
/// </summary>
public interface IDatasetPreprocessor
{
    /// <summary>
    /// Lists and hashes the source. Returns the version when its store is already complete, or else writes (once) the plan of
    /// its shards under <paramref name="storeRoot"/> and returns the shard count.
    /// </summary>
    /// <param name="storeRoot">Folder under which the version's store is written (one sub-folder per content hash).</param>
    Task<PreprocessingPlan> PlanAsync(Dataset dataset, PreprocessingSettings settings, string storeRoot, IProgress<PreprocessingProgress>? progress, CancellationToken cancellationToken);

    /// <summary>Decodes one shard of a planned version into its part files and partial statistics; nothing when that part is already written.</summary>
    Task PreprocessShardAsync(Dataset dataset, string storeRoot, string contentHash, int shard, IProgress<PreprocessingProgress>? progress, CancellationToken cancellationToken);

    /// <summary>Merges the parts of every shard in shard order and publishes the version atomically; returns it as published if it already was.</summary>
    Task<DatasetVersion> MergeAsync(Dataset dataset, string storeRoot, string contentHash, CancellationToken cancellationToken);
}

/// <summary>A version to preprocess in <see cref="Shards"/> shard jobs, or the <see cref="Existing"/> one with that content.</summary>
public sealed record PreprocessingPlan(string ContentHash, int Shards, DatasetVersion? Existing);

public sealed record PreprocessingProgress(int Processed, int Skipped, int Total);

/// <summary>Writes a small, learnable image-folder dataset of real JPEG files.</summary>
public interface ISyntheticDatasetGenerator
{
    /// <summary>Writes the dataset unless <paramref name="outputPath"/> already holds the one of this spec; returns its full path.</summary>
    Task<string> GenerateAsync(SyntheticDatasetSpec spec, string outputPath, CancellationToken cancellationToken);

    /// <summary>True when <paramref name="outputPath"/> is missing, empty, or already holds the dataset of this spec.</summary>
    bool CanWriteTo(string outputPath, SyntheticDatasetSpec spec);
}

public sealed record SyntheticDatasetSpec(int Classes, int TrainPerClass, int ValidationPerClass, int ImageSize, int Seed)
{
    public static SyntheticDatasetSpec Quickstart { get; } = new(Classes: 10, TrainPerClass: 300, ValidationPerClass: 50, ImageSize: 96, Seed: 7);
}
