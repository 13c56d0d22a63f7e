using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Retrieval;
using SkiaSharp;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets;

/// <summary>Encodes a preprocessed image (the stored square, HWC RGB) as PNG with SkiaSharp.</summary>
public sealed class StoredImages : IStoredImages
{
    public Task<byte[]> EncodePngAsync(DatasetVersion dataset, DatasetSplit split, int index, CancellationToken cancellationToken) => Task.Run(() =>
    {
        int size = dataset.Settings.ImageSize;
        using var images = PreprocessedSplit.Open(dataset.StorePath, split, size);
        using var bitmap = SkiaImaging.FromPixels(size, size, 3, images.Image(index));
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }, cancellationToken);
}
