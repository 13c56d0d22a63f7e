using AlexNet.Experiments.Domain.Datasets;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;

/// <summary>One labelled image of a source. <see cref="Key"/> names it within the source (a relative path, or file#index).</summary>
public abstract record DatasetRecord(string Key, int Label);

/// <summary>An encoded image file (JPEG or PNG), read and decoded under the untrusted-file rules.</summary>
public sealed record EncodedImageRecord(string Key, int Label, string Path) : DatasetRecord(Key, Label);

/// <summary>Raw 8-bit pixels, interleaved HWC, with 1 (grey) or 3 (RGB) channels.</summary>
public sealed record RawImageRecord(string Key, int Label, int Width, int Height, int Channels, ReadOnlyMemory<byte> Pixels) : DatasetRecord(Key, Label)
{
    public RawImageRecord Validated() =>
        Channels is 1 or 3 && Width > 0 && Height > 0 && Pixels.Length == (long)Width * Height * Channels
            ? this
            : throw new InvalidDataException($"Record '{Key}' has {Pixels.Length} bytes for {Width}x{Height}x{Channels}.");
}

/// <param name="Validation">Null when the source has no validation split of its own.</param>
/// <param name="Skipped">Entries the reader left out while listing (e.g. a validation file whose label is unknown).</param>
public sealed record DatasetRecords(
    IReadOnlyList<string> ClassNames,
    IReadOnlyList<DatasetRecord> Train,
    IReadOnlyList<DatasetRecord>? Validation,
    IReadOnlyList<SkippedFile> Skipped);

/// <summary>Reads one <see cref="DatasetFormat"/>: checks its layout and lists its records. Knows nothing of preprocessing.</summary>
public interface IDatasetFormatReader
{
    /// <summary>Null when <paramref name="root"/> holds this format's layout, otherwise what is missing.</summary>
    string? CheckLayout(string root);

    /// <summary>Lists the records of a source whose canonical root is <paramref name="realRoot"/>. Throws <see cref="InvalidDataException"/> on a broken layout.</summary>
    DatasetRecords Read(string realRoot, UntrustedFileLimits limits, CancellationToken cancellationToken);
}

/// <summary>The reader of each format.</summary>
public static class DatasetFormatReaders
{
    public static IDatasetFormatReader For(DatasetFormat format) => format switch
    {
        DatasetFormat.ImageFolder => new ImageFolderReader(),
        DatasetFormat.Ilsvrc => new IlsvrcReader(),
        DatasetFormat.Idx => new IdxReader(),
        DatasetFormat.Cifar10 => CifarReader.Cifar10,
        DatasetFormat.Cifar100 => CifarReader.Cifar100,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown dataset format."),
    };

    internal static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png"];

    internal static bool IsImageFile(string path) =>
        ImageExtensions.Any(e => Path.GetExtension(path).Equals(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>Non-hidden sub-folders, ordinal-sorted: hidden ones (.ipynb_checkpoints) are tooling debris, not classes.</summary>
    internal static List<string> ClassFolders(string folder)
    {
        var names = Directory.Exists(folder)
            ? Directory.EnumerateDirectories(folder).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).ToList()
            : [];
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Image files of a folder (by extension), ordinal-sorted, as records keyed by their path relative to the root.</summary>
    internal static IEnumerable<string> ImageFiles(string folder)
    {
        var files = Directory.EnumerateFiles(folder).Where(IsImageFile).ToList();
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    internal static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    /// <summary>Non-empty, trimmed lines of a small text file of the layout (class names, ground truth).</summary>
    internal static List<string> ReadLines(string path, string realRoot, UntrustedFileLimits limits) =>
        System.Text.Encoding.UTF8.GetString(UntrustedFiles.ReadContainer(path, realRoot, limits))
            .Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
}
