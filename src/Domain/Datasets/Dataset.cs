namespace AlexNet.Experiments.Domain.Datasets;

/// <summary>How a dataset source is laid out on disk; each format has its own reader.</summary>
public enum DatasetFormat
{
    /// <summary>root/train/&lt;class&gt;/*.jpg|jpeg|png, optional root/val/&lt;class&gt;/*.</summary>
    ImageFolder,

    /// <summary>root/train/&lt;wnid&gt;/*.JPEG, flat root/val/*.JPEG with a ground-truth file and a synset list.</summary>
    Ilsvrc,

    /// <summary>MNIST-style IDX files (train-/t10k-images-idx3-ubyte, -labels-idx1-ubyte), gzipped or not.</summary>
    Idx,

    /// <summary>CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin, batches.meta.txt).</summary>
    Cifar10,

    /// <summary>CIFAR-100 binary files (train.bin, test.bin, fine_label_names.txt); labels are the fine labels.</summary>
    Cifar100,
}

/// <summary>A registered image source: a folder under one of the configured dataset roots, in a given format.</summary>
public sealed record Dataset(Guid Id, string Name, string SourcePath, DatasetFormat Format, DateTimeOffset CreatedAt);

public enum DatasetSplit { Train, Validation }

/// <summary>
/// How a source is turned into the compact store: shorter side to <see cref="ImageSize"/>, centre crop square.
/// A source without a validation split gets one held out of its training split: <see cref="HoldOutFraction"/> of the
/// images, chosen by a generator seeded with <see cref="HoldOutSeed"/>.
/// </summary>
public sealed record PreprocessingSettings(int ImageSize, double HoldOutFraction = 0.1, int HoldOutSeed = 1);

/// <summary>The validation split was held out of the training split (the source has none of its own).</summary>
public sealed record ValidationHoldOut(double Fraction, int Seed);

/// <summary>A source file or record left out of a version, and why (not a regular file, too large, corrupt, ...).</summary>
public sealed record SkippedFile(string Path, string Reason);

/// <summary>
/// The 3x3 RGB covariance of the training pixels, eigen-decomposed for the paper's PCA colour augmentation.
/// Eigenvectors are stored column-wise in row-major order: column i (Eigenvectors[r*3+i]) belongs to Eigenvalues[i].
/// Pixel values are on the 0..255 scale.
/// </summary>
public sealed record ColourPca(double[] Eigenvalues, double[] Eigenvectors);

/// <summary>
/// A preprocessed, immutable version of a dataset, identified by the hash of its source content and settings.
/// The compact store and the mean image live in <see cref="StorePath"/>. <see cref="HoldOut"/> is set when the
/// validation split was held out of the training split.
/// </summary>
public sealed record DatasetVersion(
    string ContentHash,
    Guid DatasetId,
    PreprocessingSettings Settings,
    IReadOnlyList<string> ClassNames,
    int TrainCount,
    int ValidationCount,
    IReadOnlyList<SkippedFile> Skipped,
    ValidationHoldOut? HoldOut,
    ColourPca ColourPca,
    string StorePath,
    DateTimeOffset CreatedAt)
{
    public int SkippedCount => Skipped.Count;
}
