namespace AlexNet.Experiments.Domain.Datasets;

/// <summary>Lists and decodes the labelled images of a dataset source.</summary>
public interface IDatasetReader
{
    /// <summary>Class names in label order (sorted folder names of the training split).</summary>
    IReadOnlyList<string> ReadClassNames(string sourcePath);

    IEnumerable<LabelledImage> ListImages(string sourcePath, DatasetSplit split);

    /// <summary>Decodes an image to interleaved 8-bit RGB (HWC). Returns null when the file is unreadable or corrupt.</summary>
    DecodedImage? TryDecode(string path);
}

public sealed record DecodedImage(int Width, int Height, byte[] Rgb);

/// <summary>Turns a dataset source into a compact, preprocessed version with its mean image and colour PCA.</summary>
public interface IDatasetPreprocessor
{
    /// <param name="storeRoot">Folder under which the version's store is written (one sub-folder per content hash).</param>
    Task<DatasetVersion> PreprocessAsync(Dataset dataset, PreprocessingSettings settings, string storeRoot, IProgress<PreprocessingProgress>? progress, CancellationToken cancellationToken);
}

public sealed record PreprocessingProgress(int Processed, int Skipped, int Total);

/// <summary>Writes a small, learnable image-folder dataset of real JPEG files.</summary>
public interface ISyntheticDatasetGenerator
{
    Task GenerateAsync(SyntheticDatasetSpec spec, string outputPath, CancellationToken cancellationToken);
}

public sealed record SyntheticDatasetSpec(int Classes, int TrainPerClass, int ValidationPerClass, int ImageSize, int Seed)
{
    public static SyntheticDatasetSpec Quickstart { get; } = new(Classes: 10, TrainPerClass: 300, ValidationPerClass: 50, ImageSize: 96, Seed: 7);
}
