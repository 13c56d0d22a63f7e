using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using AlexNet.Experiments.Domain.Datasets;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>
/// File layout of a preprocessed store (all little-endian): {split}.bin holds N x S x S x 3 HWC RGB bytes,
/// {split}.labels N int32, mean.bin S x S x 3 float32 (training mean, 0..255), version.json the DatasetVersion.
/// </summary>
internal static class StoreFiles
{
    public const string Version = "version.json";
    public const string Mean = "mean.bin";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string Images(DatasetSplit split) => $"{Name(split)}.bin";

    public static string Labels(DatasetSplit split) => $"{Name(split)}.labels";

    public static long ImageBytes(int imageSize) => (long)imageSize * imageSize * 3;

    /// <summary>True when version.json parses and every file has the size its counts promise.</summary>
    public static bool IsComplete(string storePath, [NotNullWhen(true)] out DatasetVersion? version)
    {
        version = null;
        try
        {
            string versionPath = Path.Combine(storePath, Version);
            if (!File.Exists(versionPath))
            {
                return false;
            }

            var stored = JsonSerializer.Deserialize<DatasetVersion>(File.ReadAllText(versionPath), Json);
            if (stored?.Settings is null || stored.ClassNames is null || stored.Skipped is null || stored.ColourPca is null)
            {
                return false;
            }

            int size = stored.Settings.ImageSize;
            bool complete =
                HasLength(storePath, Images(DatasetSplit.Train), stored.TrainCount * ImageBytes(size)) &&
                HasLength(storePath, Labels(DatasetSplit.Train), stored.TrainCount * 4L) &&
                HasLength(storePath, Images(DatasetSplit.Validation), stored.ValidationCount * ImageBytes(size)) &&
                HasLength(storePath, Labels(DatasetSplit.Validation), stored.ValidationCount * 4L) &&
                HasLength(storePath, Mean, ImageBytes(size) * 4);
            version = complete ? stored with { StorePath = Path.GetFullPath(storePath) } : null;
            return complete;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return false;
        }
    }

    private static bool HasLength(string storePath, string file, long length)
    {
        var info = new FileInfo(Path.Combine(storePath, file));
        return info.Exists && info.Length == length;
    }

    private static string Name(DatasetSplit split) => split switch
    {
        DatasetSplit.Train => "train",
        DatasetSplit.Validation => "val",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };
}
