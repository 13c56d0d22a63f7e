using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Retrieval;
using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>Encodes a preprocessed image (the stored square, HWC RGB) or a version's mean image as PNG with SkiaSharp.</summary>
public sealed class StoredImages : IStoredImages
{
    public Task<byte[]> EncodePngAsync(DatasetVersion dataset, DatasetSplit split, int index, CancellationToken cancellationToken) => Task.Run(() =>
    {
        int size = dataset.Settings.ImageSize;
        using var images = PreprocessedSplit.Open(dataset.StorePath, split, size);
        return Png(size, size, 3, images.Image(index));
    }, cancellationToken);

    public Task<byte[]?> EncodeMeanPngAsync(DatasetVersion dataset, CancellationToken cancellationToken) => Task.Run(() =>
    {
        int size = dataset.Settings.ImageSize;
        var file = new FileInfo(Path.Combine(dataset.StorePath, StoreFiles.Mean));
        if (!file.Exists || file.Length != StoreFiles.ImageBytes(size) * sizeof(float))
        {
            return null;
        }

        float[] mean = PreprocessedSplit.ReadMeanImage(dataset.StorePath, size);
        var rgb = new byte[mean.Length];
        for (int i = 0; i < mean.Length; i++)
        {
            rgb[i] = (byte)Math.Clamp(MathF.Round(mean[i]), 0, 255);
        }

        return Png(size, size, 3, rgb);
    }, cancellationToken);

    /// <summary>Raw interleaved pixels (1 or 3 channels) as PNG.</summary>
    internal static byte[] Png(int width, int height, int channels, ReadOnlySpan<byte> pixels)
    {
        using var bitmap = SkiaImaging.FromPixels(width, height, channels, pixels);
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
