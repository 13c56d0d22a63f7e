using AlexNet.Experiments.Domain.Datasets;
using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Torch.Data;

/// <summary>SkiaSharp decode, resize and crop shared by the reader, the preprocessor and the generator.</summary>
internal static class SkiaImaging
{
    // PIL's decompression-bomb limit: a crafted header must not make us allocate gigabytes.
    public const long MaxPixels = 178_956_970;

    // Premultiplied RGBA is what Skia resamples correctly; dropping alpha afterwards composites over black.
    private static SKImageInfo Rgba(int width, int height) =>
        new(width, height, SKColorType.Rgba8888, SKAlphaType.Premul, SKColorSpace.CreateSrgb());

    /// <summary>
    /// Decodes to RGBA at the smallest codec-supported scale whose shorter side is at least <paramref name="minShorterSide"/>.
    /// EXIF orientation is ignored, as PIL/torchvision do. Truncated files count as corrupt.
    /// </summary>
    public static SKBitmap? TryDecode(ReadOnlySpan<byte> encoded, int minShorterSide)
    {
        if (encoded.IsEmpty)
        {
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

            SKSizeI size = ScaledSize(codec, minShorterSide);
            if ((long)size.Width * size.Height > MaxPixels)
            {
                return null;
            }

            var bitmap = TryGetPixels(codec, size);
            if (bitmap is null && size != codec.Info.Size)
            {
                bitmap = TryGetPixels(codec, codec.Info.Size);
            }

            return bitmap;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Crafted or damaged files must never stop a preprocessing run.
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

    private static SKBitmap? TryGetPixels(SKCodec codec, SKSizeI size)
    {
        var info = Rgba(size.Width, size.Height);
        var bitmap = new SKBitmap(info);
        if (codec.GetPixels(info, bitmap.GetPixels()) == SKCodecResult.Success)
        {
            return bitmap;
        }

        bitmap.Dispose();
        return null;
    }

    public static DecodedImage ToDecodedImage(SKBitmap bitmap)
    {
        var rgb = new byte[bitmap.Width * bitmap.Height * 3];
        CopyRgb(bitmap, 0, 0, bitmap.Width, bitmap.Height, rgb);
        return new DecodedImage(bitmap.Width, bitmap.Height, rgb);
    }

    public static SKBitmap FromDecodedImage(DecodedImage image)
    {
        var bitmap = new SKBitmap(Rgba(image.Width, image.Height));
        Span<byte> pixels = bitmap.GetPixelSpan();
        int rowBytes = bitmap.RowBytes;
        for (int y = 0; y < image.Height; y++)
        {
            Span<byte> row = pixels.Slice(y * rowBytes, image.Width * 4);
            ReadOnlySpan<byte> source = image.Rgb.AsSpan(y * image.Width * 3, image.Width * 3);
            for (int x = 0; x < image.Width; x++)
            {
                row[x * 4] = source[x * 3];
                row[x * 4 + 1] = source[x * 3 + 1];
                row[x * 4 + 2] = source[x * 3 + 2];
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
