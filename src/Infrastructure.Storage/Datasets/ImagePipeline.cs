using System.Security.Cryptography;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;
using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>
/// One record to its stored square: decode (or take the raw pixels), shorter side to the store's size, centre crop, HWC RGB.
/// Runs in parallel within a shard, so it keeps no state of its own.
/// </summary>
internal sealed class ImagePipeline(UntrustedFileLimits limits)
{
    /// <summary>The crop, or why the record is skipped; Changed when the source no longer holds the bytes the plan hashed.</summary>
    public sealed record Outcome(byte[]? Crop, string? Skipped, bool Changed);

    /// <summary>Scales the shorter side of <paramref name="image"/> to <paramref name="size"/> and returns the centre crop as HWC RGB.</summary>
    public static byte[] ResizeAndCentreCrop(SKBitmap image, int size)
    {
        var rgb = new byte[StoreFiles.ImageBytes(size)];
        SkiaImaging.ResizeShorterSideAndCentreCrop(image, size, rgb);
        return rgb;
    }

    public Outcome Process(DatasetRecord record, Digest digest, int size, string realRoot, CancellationToken cancellationToken)
    {
        if (digest.Sha256 is null)
        {
            return new Outcome(null, digest.Skipped, false);
        }

        switch (record)
        {
            case RawImageRecord raw:
            {
                // A shard reads the source again, so it checks it still holds the pixels the plan hashed.
                if (!RecordDigests.HashRaw(raw.Validated()).AsSpan().SequenceEqual(digest.Sha256))
                {
                    return new Outcome(null, null, true);
                }

                if ((long)raw.Width * raw.Height > limits.MaxPixels)
                {
                    return new Outcome(null, $"{raw.Width}x{raw.Height} pixels, over the cap of {limits.MaxPixels}", false);
                }

                if (raw.Width == size && raw.Height == size)
                {
                    return new Outcome(raw.Channels == 3 ? raw.Pixels.ToArray() : ReplicateGrey(raw.Pixels.Span), null, false);
                }

                using var bitmap = SkiaImaging.FromPixels(raw.Width, raw.Height, raw.Channels, raw.Pixels.Span);
                return new Outcome(ResizeAndCentreCrop(bitmap, size), null, false);
            }

            case EncodedImageRecord file:
                // Its own crop buffer: an abandoned (timed-out) decode must not write into a slot reused later.
                return UntrustedFiles.RunBounded(() => DecodeFile(file, digest.Sha256, size, realRoot), limits.DecodeTimeout, cancellationToken)
                    ?? new Outcome(null, RecordDigests.TimedOut(limits), false);

            default:
                throw new NotSupportedException($"Unknown record type {record.GetType().Name}.");
        }
    }

    private static byte[] ReplicateGrey(ReadOnlySpan<byte> grey)
    {
        var rgb = new byte[grey.Length * 3];
        for (int i = 0; i < grey.Length; i++)
        {
            rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = grey[i];
        }

        return rgb;
    }

    private Outcome DecodeFile(EncodedImageRecord file, byte[] digest, int size, string realRoot)
    {
        // The hash names the store, so the bytes decoded must be the bytes hashed.
        if (UntrustedFiles.TryRead(file.Path, realRoot, limits.MaxImageFileBytes, out _) is not { } bytes
            || !SHA256.HashData(bytes).AsSpan().SequenceEqual(digest))
        {
            return new Outcome(null, null, true);
        }

        using var bitmap = SkiaImaging.TryDecode(bytes, size, limits.MaxPixels, out var reason);
        return bitmap is null ? new Outcome(null, reason, false) : new Outcome(ResizeAndCentreCrop(bitmap, size), null, false);
    }
}
