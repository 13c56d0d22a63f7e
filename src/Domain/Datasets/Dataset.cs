namespace AlexNet.Experiments.Domain.Datasets;

/// <summary>A registered image source in the ImageNet folder layout: root/train/&lt;class&gt;/*, root/val/&lt;class&gt;/*.</summary>
public sealed record Dataset(Guid Id, string Name, string SourcePath, DateTimeOffset CreatedAt);

public enum DatasetSplit { Train, Validation }

/// <summary>One labelled image in a dataset source, before decoding.</summary>
public sealed record LabelledImage(string Path, int ClassIndex, DatasetSplit Split);

/// <summary>How a source is turned into the compact store: shorter side to <see cref="ImageSize"/>, centre crop square.</summary>
public sealed record PreprocessingSettings(int ImageSize);

/// <summary>
/// The 3x3 RGB covariance of the training pixels, eigen-decomposed for the paper's PCA colour augmentation.
/// Eigenvectors are stored column-wise in row-major order: column i (Eigenvectors[r*3+i]) belongs to Eigenvalues[i].
/// Pixel values are on the 0..255 scale.
/// </summary>
public sealed record ColourPca(double[] Eigenvalues, double[] Eigenvectors);

/// <summary>
/// A preprocessed, immutable version of a dataset, identified by the hash of its source content and settings.
/// The compact store and the mean image live in <see cref="StorePath"/>.
/// </summary>
public sealed record DatasetVersion(
    string ContentHash,
    Guid DatasetId,
    PreprocessingSettings Settings,
    IReadOnlyList<string> ClassNames,
    int TrainCount,
    int ValidationCount,
    int SkippedCount,
    ColourPca ColourPca,
    string StorePath,
    DateTimeOffset CreatedAt);
