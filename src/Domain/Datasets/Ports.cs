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

    /// <summary>The folders directly under each configured dataset root (hidden ones and links out of the root left out), by path.</summary>
    Task<IReadOnlyList<SourceFolder>> ListFoldersAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A folder that could be registered: its canonical <see cref="Path"/>, the <see cref="Root"/> it lies under, and the first
/// format whose layout it has (null when none; the layout is checked, nothing is decoded).
/// </summary>
public sealed record SourceFolder(string Path, string Root, DatasetFormat? Format);

public sealed record DatasetSize(int Classes, long Images);

/// <summary>The resolved source path, or why the source cannot be registered (<see cref="Problem"/>).</summary>
public sealed record DatasetSourceCheck(string? SourcePath, string? Problem)
{
    public static DatasetSourceCheck Valid(string sourcePath) => new(sourcePath, null);

    public static DatasetSourceCheck Invalid(string problem) => new(null, problem);
}

/// <summary>
/// A registered source as it is on disk now, nothing preprocessed: its classes and a few of each class's training images,
/// decoded by the same readers and decoder as preprocessing, for people to look at.
/// </summary>
public interface IDatasetSamples
{
    /// <summary>The source's classes in label order with their training image counts, or why it cannot be read any more.</summary>
    Task<SourceContents> DescribeAsync(Dataset dataset, CancellationToken cancellationToken);

    /// <summary>
    /// Training image <paramref name="k"/> (in listing order, below <see cref="SourceContents.MaxSamplesPerClass"/>) of class
    /// <paramref name="classIndex"/>, centre-cropped to a square of at most <see cref="SourceContents.SampleSize"/> pixels, as PNG;
    /// or why there is none (no such image, or it does not decode).
    /// </summary>
    Task<SampleImage> EncodeSampleAsync(Dataset dataset, int classIndex, int k, CancellationToken cancellationToken);
}

/// <param name="ValidationImages">Null when the source has no validation split of its own.</param>
/// <param name="Problem">Why the source cannot be listed (moved, deleted, broken since registration); then it has no classes.</param>
public sealed record SourceContents(IReadOnlyList<SourceClass> Classes, int? ValidationImages, string? Problem)
{
    /// <summary>The largest side of a sample image, in pixels.</summary>
    public const int SampleSize = 96;

    /// <summary>Samples offered per class: the first training images of each class in listing order.</summary>
    public const int MaxSamplesPerClass = 8;
}

public sealed record SourceClass(string Name, int TrainImages);

/// <summary>A sample as PNG, or the <see cref="Problem"/> that left it out.</summary>
public sealed record SampleImage(byte[]? Png, string? Problem);

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
