namespace AlexNet.Experiments.Infrastructure.Torch.Data;

/// <summary>The one inner loop every crop goes through: HWC bytes in, CHW floats out, mean subtracted, colour offset added.</summary>
internal static class CropWriter
{
    /// <param name="mean">S x S x 3 HWC mean image, or empty to leave pixels on the raw 0..255 scale.</param>
    public static void Write(
        ReadOnlySpan<byte> stored, int storedSize, ReadOnlySpan<float> mean, int left, int top, int cropSize, bool flip,
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

        var red = crop[..plane];
        var green = crop.Slice(plane, plane);
        var blue = crop.Slice(2 * plane, plane);
        bool subtract = !mean.IsEmpty;

        for (int y = 0; y < cropSize; y++)
        {
            int rowStart = ((top + y) * storedSize + left) * 3;
            var row = stored.Slice(rowStart, cropSize * 3);
            var meanRow = subtract ? mean.Slice(rowStart, cropSize * 3) : default;
            int output = y * cropSize;
            for (int x = 0; x < cropSize; x++)
            {
                // Flipping reads the stored row backwards; the mean is taken at the pixel's stored position.
                int source = (flip ? cropSize - 1 - x : x) * 3;
                float r = row[source], g = row[source + 1], b = row[source + 2];
                if (subtract)
                {
                    r -= meanRow[source];
                    g -= meanRow[source + 1];
                    b -= meanRow[source + 2];
                }

                red[output + x] = r + offsetRed;
                green[output + x] = g + offsetGreen;
                blue[output + x] = b + offsetBlue;
            }
        }
    }
}
