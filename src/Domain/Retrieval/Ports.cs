using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Domain.Retrieval;

/// <summary>
/// The three files of an extracted split (NumPy .npy, format 1.0): the fc7 matrix (N x D, little-endian float32), the labels
/// (N, int64) and each row's image index in the split (N, int64).
/// </summary>
public sealed record FeatureFiles(string Features, string Labels, string Indices);

/// <summary>The fc7 vectors of one split of a run's dataset: <see cref="Count"/> rows of <see cref="Dimension"/> floats.</summary>
public sealed record FeatureSet(DatasetSplit Split, int Count, int Dimension, FeatureFiles Files);

/// <summary>One stored vector near a query: its image's index in the split, its label, and the Euclidean distance to the query.</summary>
public sealed record Neighbour(int Index, int Label, double Distance);

/// <summary>A query vector; <paramref name="ExcludeIndex"/> names a stored image (e.g. the query itself) that must not be returned.</summary>
public sealed record NeighbourQuery(float[] Vector, int? ExcludeIndex = null);

/// <summary>The fc7 vector of a stored image and the image's label.</summary>
public sealed record StoredImageFeatures(float[] Vector, int Label);

/// <summary>An uploaded image that cannot be used: not a JPEG or PNG, damaged, too large, or too slow to decode.</summary>
public sealed class UnreadableImageException(string reason) : Exception(reason);

/// <summary>Runs images through a trained network and returns its last hidden layer (fc7), as the paper's Figure 4 does.</summary>
public interface IFeatureExtractor
{
    /// <summary>
    /// The fc7 vectors of every image of the split (centre crop, mean subtracted as evaluation does, no dropout), written to
    /// <paramref name="directory"/> as the three files of <see cref="FeatureFiles"/>, named for the split.
    /// </summary>
    Task<FeatureSet> ExtractAsync(ModelCheckpoint checkpoint, DatasetVersion dataset, DatasetSplit split, string directory, CancellationToken cancellationToken);

    /// <summary>The fc7 vector of one stored image of the split, computed exactly as <see cref="ExtractAsync"/> computes it, and its label.</summary>
    Task<StoredImageFeatures> EmbedStoredImageAsync(ModelCheckpoint checkpoint, DatasetVersion dataset, DatasetSplit split, int index, CancellationToken cancellationToken);

    /// <summary>
    /// The fc7 vector of an encoded JPEG or PNG from outside the dataset, preprocessed as the dataset was (shorter side to the
    /// stored size, centre crop, grey to three channels). Throws <see cref="UnreadableImageException"/> for bytes that are no usable image.
    /// </summary>
    Task<float[]> EmbedImageAsync(ModelCheckpoint checkpoint, DatasetVersion dataset, ReadOnlyMemory<byte> encodedImage, CancellationToken cancellationToken);
}

/// <summary>Exact nearest-neighbour search by Euclidean distance over an extracted feature set.</summary>
public interface INeighbourIndex
{
    /// <summary>The set's size and dimension, read from its files.</summary>
    Task<FeatureSet> DescribeAsync(DatasetSplit split, FeatureFiles files, CancellationToken cancellationToken);

    /// <summary>
    /// For each query, the <paramref name="k"/> nearest stored vectors (fewer when the set is smaller), nearest first; equal
    /// distances are ordered by image index, so the answer is deterministic.
    /// </summary>
    Task<IReadOnlyList<IReadOnlyList<Neighbour>>> NearestAsync(
        FeatureFiles files, IReadOnlyList<NeighbourQuery> queries, int k, CancellationToken cancellationToken);
}

/// <summary>Images of a preprocessed dataset version as people look at them.</summary>
public interface IStoredImages
{
    /// <summary>Stored image <paramref name="index"/> of the split (the preprocessed square, before cropping) as PNG.</summary>
    Task<byte[]> EncodePngAsync(DatasetVersion dataset, DatasetSplit split, int index, CancellationToken cancellationToken);

    /// <summary>The version's mean training image (the one subtracted from every input) as PNG; null when its file is missing.</summary>
    Task<byte[]?> EncodeMeanPngAsync(DatasetVersion dataset, CancellationToken cancellationToken);
}

/// <summary>Queues feature extraction as a background job, so a long split does not hold an HTTP request.</summary>
public interface IFeatureExtractionScheduler
{
    /// <summary>Queues extraction of the run's split and returns the job's id (to ask <c>IJobScheduler.IsAlive</c> about).</summary>
    string Enqueue(Guid runId, DatasetSplit split);
}
