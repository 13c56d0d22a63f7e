using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>
/// SkiaSharp decode, resize and crop shared by the reader, the preprocessor and the generator, and by the Torch adapter's
/// feature extractor for an uploaded image (hence public).
/// </summary>
public static class SkiaImaging
{
    // Premultiplied RGBA is what Skia resamples correctly; dropping alpha afterwards composites over black.
    private static SKImageInfo Rgba(int width, int height) =>
        new(width, height, SKColorType.Rgba8888, SKAlphaType.Premul, SKColorSpace.CreateSrgb());

    /// <summary>
    /// Decodes to RGBA at the smallest codec-supported scale whose shorter side is at least <paramref name="minShorterSide"/>.
    /// EXIF orientation is ignored, as PIL/torchvision do. Returns null with the <paramref name="reason"/> when the bytes
    /// are no image, the header claims more than <paramref name="maxPixels"/> pixels, or the data does not fill the header's
    /// image (a truncated or crafted file), so such a file is skipped rather than trained on as a grey image.
    /// </summary>
    public static SKBitmap? TryDecode(ReadOnlySpan<byte> encoded, int minShorterSide, long maxPixels, out string? reason)
    {
        reason = "not a decodable JPEG or PNG image";
        if (encoded.IsEmpty)
        {
            reason = "empty file";
            return null;
        }

        try
        {
            using var data = SKData.CreateCopy(encoded);
            using var codec = SKCodec.Create(data);
            if (codec is null || codec.Info.Width <= 0 || codec.Info.Height <= 0)
            {
                return null;
            }

            if ((long)codec.Info.Width * codec.Info.Height > maxPixels)
            {
                reason = $"header claims {codec.Info.Width}x{codec.Info.Height} pixels, over the cap of {maxPixels}";
                return null;
            }

            SKSizeI size = ScaledSize(codec, minShorterSide);
            var (bitmap, result) = TryGetPixels(codec, size);
            if (result == SKCodecResult.InvalidScale && size != codec.Info.Size)
            {
                (bitmap, result) = TryGetPixels(codec, codec.Info.Size);
            }

            reason = bitmap is null ? $"decoded data does not match its header ({result})" : null;
            return bitmap;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Crafted or damaged files must never stop a preprocessing run.
            reason = $"decoder failed: {e.Message}";
            return null;
        }
    }

    private static SKSizeI ScaledSize(SKCodec codec, int minShorterSide)
    {
        SKSizeI full = codec.Info.Size;
        if (minShorterSide <= 0 || Math.Min(full.Width, full.Height) <= minShorterSide)
        {
            return full;
        }

        // JPEG decodes at k/8 scales almost for free (DCT scaling); other codecs report their full size.
        for (int k = 1; k < 8; k++)
        {
            SKSizeI scaled = codec.GetScaledDimensions(k / 8f);
            if (Math.Min(scaled.Width, scaled.Height) >= minShorterSide)
            {
                return scaled;
            }
        }

        return full;
    }

    private static (SKBitmap? Bitmap, SKCodecResult Result) TryGetPixels(SKCodec codec, SKSizeI size)
    {
        var info = Rgba(size.Width, size.Height);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result == SKCodecResult.Success)
        {
            return (bitmap, result);
        }

        bitmap.Dispose();
        return (null, result);
    }

    /// <summary>Interleaved HWC RGB of the whole bitmap.</summary>
    public static byte[] ToRgb(SKBitmap bitmap)
    {
        var rgb = new byte[bitmap.Width * bitmap.Height * 3];
        CopyRgb(bitmap, 0, 0, bitmap.Width, bitmap.Height, rgb);
        return rgb;
    }

    /// <summary>A bitmap of raw interleaved pixels with 1 (grey, replicated to R, G and B) or 3 channels.</summary>
    public static SKBitmap FromPixels(int width, int height, int channels, ReadOnlySpan<byte> pixels)
    {
        var bitmap = new SKBitmap(Rgba(width, height));
        Span<byte> target = bitmap.GetPixelSpan();
        int rowBytes = bitmap.RowBytes;
        for (int y = 0; y < height; y++)
        {
            Span<byte> row = target.Slice(y * rowBytes, width * 4);
            ReadOnlySpan<byte> source = pixels.Slice(y * width * channels, width * channels);
            for (int x = 0; x < width; x++)
            {
                int c = x * channels;
                row[x * 4] = source[c];
                row[x * 4 + 1] = source[channels == 1 ? c : c + 1];
                row[x * 4 + 2] = source[channels == 1 ? c : c + 2];
                row[x * 4 + 3] = 255;
            }
        }

        return bitmap;
    }

    /// <summary>Scales the shorter side to <paramref name="size"/>, then writes the centre size x size crop as HWC RGB.</summary>
    public static void ResizeShorterSideAndCentreCrop(SKBitmap source, int size, Span<byte> rgb)
    {
        if (rgb.Length != size * size * 3)
        {
            throw new ArgumentException($"Expected {size * size * 3} bytes, got {rgb.Length}.", nameof(rgb));
        }

        int shorter = Math.Min(source.Width, source.Height);
        int width = source.Width == shorter ? size : Math.Max(size, (int)Math.Round((double)source.Width * size / shorter));
        int height = source.Height == shorter ? size : Math.Max(size, (int)Math.Round((double)source.Height * size / shorter));

        if (width == source.Width && height == source.Height)
        {
            CopyRgb(source, (width - size) / 2, (height - size) / 2, size, size, rgb);
            return;
        }

        using var resized = source.Resize(Rgba(width, height), SamplingFor((double)size / shorter))
            ?? throw new InvalidOperationException($"SkiaSharp could not resize {source.Width}x{source.Height} to {width}x{height}.");
        CopyRgb(resized, (width - size) / 2, (height - size) / 2, size, size, rgb);
    }

    // Bicubic aliases when shrinking by more than 2x; trilinear mipmaps average the whole footprint instead.
    private static SKSamplingOptions SamplingFor(double scale) =>
        scale < 0.5 ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear) : new SKSamplingOptions(SKCubicResampler.Mitchell);

    private static void CopyRgb(SKBitmap bitmap, int left, int top, int width, int height, Span<byte> rgb)
    {
        ReadOnlySpan<byte> pixels = bitmap.GetPixelSpan();
        int rowBytes = bitmap.RowBytes;
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = pixels.Slice((top + y) * rowBytes + left * 4, width * 4);
            Span<byte> target = rgb.Slice(y * width * 3, width * 3);
            for (int x = 0; x < width; x++)
            {
                target[x * 3] = row[x * 4];
                target[x * 3 + 1] = row[x * 4 + 1];
                target[x * 3 + 2] = row[x * 4 + 2];
            }
        }
    }
}
