namespace AlexNet.Experiments.Infrastructure.Torch.Augmentation;

/// <summary>
/// The one inner loop every crop goes through: HWC bytes in, CHW floats out, colour offset added, mean subtracted, then
/// multiplied by the pixel scale (1 keeps the paper's 0..255 units).
/// </summary>
internal static class CropWriter
{
    /// <param name="mean">S x S x 3 HWC mean image, or empty to leave pixels on the raw 0..255 scale.</param>
    public static void Write(
        ReadOnlySpan<byte> stored, int storedSize, ReadOnlySpan<float> mean, float scale, int left, int top, int cropSize, bool flip,
        float offsetRed, float offsetGreen, float offsetBlue, Span<float> crop)
    {
        int plane = cropSize * cropSize;
        if (stored.Length != storedSize * storedSize * 3)
        {
            throw new ArgumentException($"Expected a {storedSize}x{storedSize}x3 image ({storedSize * storedSize * 3} bytes), got {stored.Length}.", nameof(stored));
        }

        if (crop.Length != 3 * plane)
        {
            throw new ArgumentException($"Expected a 3x{cropSize}x{cropSize} crop ({3 * plane} floats), got {crop.Length}.", nameof(crop));
        }

        if (!mean.IsEmpty && mean.Length != stored.Length)
        {
            throw new ArgumentException($"Expected a {storedSize}x{storedSize}x3 mean image, got {mean.Length} values.", nameof(mean));
        }

        if (left < 0 || top < 0 || left + cropSize > storedSize || top + cropSize > storedSize)
        {
            throw new ArgumentOutOfRangeException(nameof(left), $"A {cropSize} crop at ({left}, {top}) does not fit a {storedSize} image.");
        }

        // Pointers rather than spans: the span indexing kept every access bounds-checked and halved the loader's rate.
        unsafe
        {
            fixed (byte* storedStart = stored)
            fixed (float* meanStart = mean)
            fixed (float* cropStart = crop)
            {
                for (int y = 0; y < cropSize; y++)
                {
                    int rowStart = ((top + y) * storedSize + left) * 3;
                    byte* row = storedStart + rowStart;
                    float* red = cropStart + y * cropSize, green = red + plane, blue = green + plane;
                    if (mean.IsEmpty)
                    {
                        WriteRow(row, null, scale, red, green, blue, cropSize, flip, offsetRed, offsetGreen, offsetBlue);
                    }
                    else
                    {
                        WriteRow(row, meanStart + rowStart, scale, red, green, blue, cropSize, flip, offsetRed, offsetGreen, offsetBlue);
                    }
                }
            }
        }
    }

    /// <summary>Flipping reads the stored row backwards; the mean is taken at the pixel's stored position.</summary>
    private static unsafe void WriteRow(
        byte* row, float* meanRow, float scale, float* red, float* green, float* blue, int width, bool flip, float offsetRed, float offsetGreen, float offsetBlue)
    {
        int step = flip ? -3 : 3;
        int source = flip ? (width - 1) * 3 : 0;
        for (int x = 0; x < width; x++, source += step)
        {
            float r = row[source] + offsetRed, g = row[source + 1] + offsetGreen, b = row[source + 2] + offsetBlue;
            if (meanRow != null)
            {
                r -= meanRow[source];
                g -= meanRow[source + 1];
                b -= meanRow[source + 2];
            }

            red[x] = r * scale;
            green[x] = g * scale;
            blue[x] = b * scale;
        }
    }
}
