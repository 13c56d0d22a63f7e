namespace AlexNet.Experiments.Infrastructure.Torch.Augmentation;

/// <summary>Deterministic test-time crops (no colour noise): the centre crop, or the paper's ten.</summary>
public static class EvaluationCropWriter
{
    public const int TenCropCount = 10;

    /// <summary>The centre crop as CHW floats (3 x C x C); pass an empty <paramref name="mean"/> to skip mean subtraction.</summary>
    public static void WriteCentreCrop(ReadOnlySpan<byte> storedImage, int storedSize, ReadOnlySpan<float> mean, float scale, int cropSize, Span<float> crop)
    {
        int offset = CentreOffset(storedSize, cropSize);
        CropWriter.Write(storedImage, storedSize, mean, scale, offset, offset, cropSize, flip: false, 0, 0, 0, crop);
    }

    /// <summary>
    /// The paper's ten crops into 10 consecutive 3 x C x C blocks: top-left, top-right, bottom-left, bottom-right,
    /// centre, then the same five mirrored horizontally.
    /// </summary>
    public static void WriteTenCrops(ReadOnlySpan<byte> storedImage, int storedSize, ReadOnlySpan<float> mean, float scale, int cropSize, Span<float> crops)
    {
        int length = 3 * cropSize * cropSize;
        if (crops.Length != TenCropCount * length)
        {
            throw new ArgumentException($"Expected {TenCropCount} crops of {length} floats, got {crops.Length} floats.", nameof(crops));
        }

        var origins = TenCropOrigins(storedSize, cropSize);
        for (int i = 0; i < TenCropCount; i++)
        {
            var (left, top, flip) = origins[i];
            CropWriter.Write(storedImage, storedSize, mean, scale, left, top, cropSize, flip, 0, 0, 0, crops.Slice(i * length, length));
        }
    }

    /// <summary>Top-left corner of each of the ten crops and whether it is mirrored, in <see cref="WriteTenCrops"/> order.</summary>
    public static IReadOnlyList<(int Left, int Top, bool Flip)> TenCropOrigins(int storedSize, int cropSize)
    {
        int centre = CentreOffset(storedSize, cropSize), far = storedSize - cropSize;
        (int, int)[] corners = [(0, 0), (far, 0), (0, far), (far, far), (centre, centre)];
        var origins = new List<(int, int, bool)>(TenCropCount);
        foreach (bool flip in new[] { false, true })
        {
            foreach (var (left, top) in corners)
            {
                origins.Add((left, top, flip));
            }
        }

        return origins;
    }

    internal static int CentreOffset(int storedSize, int cropSize)
    {
        if (cropSize <= 0 || cropSize > storedSize)
        {
            throw new ArgumentOutOfRangeException(nameof(cropSize), cropSize, $"The crop must fit the {storedSize}x{storedSize} stored image.");
        }

        return (storedSize - cropSize) / 2;
    }
}
