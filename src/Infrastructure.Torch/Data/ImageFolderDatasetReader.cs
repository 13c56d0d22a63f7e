using AlexNet.Experiments.Domain.Datasets;
using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Torch.Data;

/// <summary>
/// Reads the ImageNet folder layout: root/train/&lt;class&gt;/*.jpg|jpeg|png and root/val/&lt;class&gt;/*.
/// Labels are the ordinal-sorted class folder names of train/; listings are sorted so every run sees the same order.
/// </summary>
public sealed class ImageFolderDatasetReader : IDatasetReader
{
    public const string TrainFolder = "train";
    public const string ValidationFolder = "val";

    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png"];

    public IReadOnlyList<string> ReadClassNames(string sourcePath)
    {
        string train = Path.Combine(sourcePath, TrainFolder);
        if (!Directory.Exists(train))
        {
            throw new DirectoryNotFoundException($"No '{TrainFolder}' folder in dataset source '{sourcePath}'.");
        }

        // Hidden folders (.ipynb_checkpoints, .DS_Store dirs) are tooling debris, not classes.
        var names = Directory.EnumerateDirectories(train)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => !name.StartsWith('.'))
            .ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public IEnumerable<LabelledImage> ListImages(string sourcePath, DatasetSplit split)
    {
        var classNames = ReadClassNames(sourcePath);
        string splitFolder = Path.Combine(sourcePath, FolderOf(split));
        if (!Directory.Exists(splitFolder))
        {
            yield break;
        }

        for (int classIndex = 0; classIndex < classNames.Count; classIndex++)
        {
            string classFolder = Path.Combine(splitFolder, classNames[classIndex]);
            if (!Directory.Exists(classFolder))
            {
                continue;
            }

            var files = Directory.EnumerateFiles(classFolder).Where(IsImageFile).ToList();
            files.Sort(StringComparer.Ordinal);
            foreach (string file in files)
            {
                yield return new LabelledImage(file, classIndex, split);
            }
        }
    }

    public DecodedImage? TryDecode(string path) => TryDecode(path, minShorterSide: 0);

    /// <summary>
    /// Decodes at the smallest scale the codec supports (JPEG: k/8) whose shorter side is still at least
    /// <paramref name="minShorterSide"/>; 0 decodes at full size. Returns null for unreadable or corrupt files.
    /// </summary>
    public DecodedImage? TryDecode(string path, int minShorterSide)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return TryDecode(bytes, minShorterSide);
    }

    /// <inheritdoc cref="TryDecode(string, int)"/>
    public DecodedImage? TryDecode(ReadOnlySpan<byte> encoded, int minShorterSide)
    {
        using var bitmap = SkiaImaging.TryDecode(encoded, minShorterSide);
        return bitmap is null ? null : SkiaImaging.ToDecodedImage(bitmap);
    }

    public static string FolderOf(DatasetSplit split) => split switch
    {
        DatasetSplit.Train => TrainFolder,
        DatasetSplit.Validation => ValidationFolder,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };

    private static bool IsImageFile(string path)
    {
        string extension = Path.GetExtension(path);
        foreach (string candidate in Extensions)
        {
            if (extension.Equals(candidate, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
