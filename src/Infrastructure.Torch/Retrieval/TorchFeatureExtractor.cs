using System.Runtime.InteropServices;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;
using AlexNet.Experiments.Infrastructure.Torch.Augmentation;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Retrieval;

/// <summary>
/// fc7 of stored or uploaded images through a run's checkpoint: the centre crop with the training mean subtracted, exactly as
/// evaluation's centre crop, in eval mode (no dropout) under no_grad. The last loaded network is kept, so a page of queries
/// does not reload the checkpoint for each.
/// </summary>
public sealed class TorchFeatureExtractor : IFeatureExtractor, IDisposable
{
    private readonly Lock gate = new();
    private readonly UntrustedFileLimits limits = new();
    private (string Key, AlexNetModel Model)? loaded;

    public static string SplitName(DatasetSplit split) => split == DatasetSplit.Train ? "train" : "val";

    /// <summary>The files <see cref="ExtractAsync"/> writes for a split.</summary>
    public static FeatureFiles FilesFor(string directory, DatasetSplit split) => new(
        Path.Combine(directory, $"features-{SplitName(split)}.npy"),
        Path.Combine(directory, $"features-{SplitName(split)}-labels.npy"),
        Path.Combine(directory, $"features-{SplitName(split)}-indices.npy"));

    public Task<FeatureSet> ExtractAsync(
        ModelCheckpoint checkpoint, DatasetVersion dataset, DatasetSplit split, string directory, CancellationToken cancellationToken) => TorchStep.RunAsync(() =>
    {
        var hp = checkpoint.Hyperparameters;
        int imageSize = dataset.Settings.ImageSize, crop = hp.Model.InputSize, batchSize = Math.Max(1, hp.BatchSize);
        var mean = MeanImage(checkpoint, dataset);
        using var images = PreprocessedSplit.Open(dataset.StorePath, split, imageSize);
        int count = images.Count, floatsPerImage = 3 * crop * crop;
        var files = FilesFor(directory, split);

        // Written under names unique to this execution and moved into place at the end: a job handed out twice cannot
        // interleave its rows with another's, and a crash leaves no half-written file under the final name.
        string suffix = $".{Guid.NewGuid():N}.partial";
        int dimension = 0;
        try
        {
            lock (gate)
            {
                var model = Model(checkpoint);
                using var output = new FileStream(files.Features + suffix, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
                var pixels = new float[batchSize * floatsPerImage];
                for (int start = 0; start < count; start += batchSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int n = Math.Min(batchSize, count - start);
                    for (int i = 0; i < n; i++)
                    {
                        EvaluationCropWriter.WriteCentreCrop(images.Image(start + i), imageSize, mean, (float)hp.Model.PixelScale, crop, pixels.AsSpan(i * floatsPerImage, floatsPerImage));
                    }

                    var features = Forward(model, pixels.AsSpan(0, n * floatsPerImage), n, crop);
                    if (dimension == 0)
                    {
                        dimension = features.Length / n;
                        output.Write(NpyFile.Header(NpyFile.Float32, count, dimension));
                    }

                    output.Write(MemoryMarshal.AsBytes(features.AsSpan()));
                }

                if (count == 0)
                {
                    dimension = Fc7Width(model, crop);
                    output.Write(NpyFile.Header(NpyFile.Float32, 0, dimension));
                }
            }

            NpyFile.WriteInt64(files.Labels + suffix, images.Labels.ToArray().Select(l => (long)l).ToArray());
            NpyFile.WriteInt64(files.Indices + suffix, Enumerable.Range(0, count).Select(i => (long)i).ToArray());
            File.Move(files.Labels + suffix, files.Labels, overwrite: true);
            File.Move(files.Indices + suffix, files.Indices, overwrite: true);
            File.Move(files.Features + suffix, files.Features, overwrite: true);
        }
        finally
        {
            foreach (var partial in new[] { files.Features, files.Labels, files.Indices }.Select(f => f + suffix))
            {
                File.Delete(partial);
            }
        }

        return new FeatureSet(split, count, dimension, files);
    }, cancellationToken);

    public Task<StoredImageFeatures> EmbedStoredImageAsync(
        ModelCheckpoint checkpoint, DatasetVersion dataset, DatasetSplit split, int index, CancellationToken cancellationToken) => Task.Run(() =>
    {
        int imageSize = dataset.Settings.ImageSize;
        using var images = PreprocessedSplit.Open(dataset.StorePath, split, imageSize);
        return new StoredImageFeatures(Embed(checkpoint, dataset, images.Image(index)), images.Label(index));
    }, cancellationToken);

    public Task<float[]> EmbedImageAsync(
        ModelCheckpoint checkpoint, DatasetVersion dataset, ReadOnlyMemory<byte> encodedImage, CancellationToken cancellationToken) => Task.Run(() =>
    {
        int imageSize = dataset.Settings.ImageSize;
        if (encodedImage.Length > limits.MaxImageFileBytes)
        {
            throw new UnreadableImageException($"the image has {encodedImage.Length} bytes, over the limit of {limits.MaxImageFileBytes}");
        }

        // The same bounded decode as dataset files: a pixel cap from the header, and a time limit on a thread of its own.
        var decoded = UntrustedFiles.RunBounded(() =>
        {
            using var bitmap = SkiaImaging.TryDecode(encodedImage.Span, imageSize, limits.MaxPixels, out var reason);
            return new Decoded(bitmap is null ? null : DatasetPreprocessor.ResizeAndCentreCrop(bitmap, imageSize), reason);
        }, limits.DecodeTimeout, cancellationToken);
        if (decoded?.Rgb is not { } stored)
        {
            throw new UnreadableImageException(decoded?.Reason ?? $"decoding took longer than {limits.DecodeTimeout.TotalSeconds:F0} s");
        }

        return Embed(checkpoint, dataset, stored);
    }, cancellationToken);

    public void Dispose()
    {
        lock (gate)
        {
            loaded?.Model.Dispose();
            loaded = null;
        }
    }

    private float[] Embed(ModelCheckpoint checkpoint, DatasetVersion dataset, ReadOnlySpan<byte> storedImage)
    {
        int crop = checkpoint.Hyperparameters.Model.InputSize;
        var pixels = new float[3 * crop * crop];
        EvaluationCropWriter.WriteCentreCrop(
            storedImage, dataset.Settings.ImageSize, MeanImage(checkpoint, dataset), (float)checkpoint.Hyperparameters.Model.PixelScale, crop, pixels);
        lock (gate)
        {
            return Forward(Model(checkpoint), pixels, 1, crop);
        }
    }

    private sealed record Decoded(byte[]? Rgb, string? Reason);

    private static float[] MeanImage(ModelCheckpoint checkpoint, DatasetVersion dataset) =>
        checkpoint.Hyperparameters.Data.SubtractMean ? PreprocessedSplit.ReadMeanImage(dataset.StorePath, dataset.Settings.ImageSize) : [];

    private static float[] Forward(AlexNetModel model, ReadOnlySpan<float> pixels, int count, int crop)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(pixels.ToArray(), [count, 3, crop, crop]).to(model.InputDevice);
        return model.Fc7Features(input).to(CPU).contiguous().data<float>().ToArray();
    }

    private static int Fc7Width(AlexNetModel model, int crop) =>
        (int)Forward(model, new float[3 * crop * crop], 1, crop).Length;

    /// <summary>The checkpoint's network in eval mode, loaded once while the same file is asked for. Call under <see cref="gate"/>.</summary>
    private AlexNetModel Model(ModelCheckpoint checkpoint)
    {
        string key = $"{checkpoint.Path}|{File.GetLastWriteTimeUtc(checkpoint.Path).Ticks}";
        if (loaded is { } current && current.Key == key)
        {
            return current.Model;
        }

        loaded?.Model.Dispose();
        loaded = null;
        var hp = checkpoint.Hyperparameters;
        var model = AlexNetModel.Create(hp.Model, checkpoint.ClassCount, hp.Seed);
        Checkpoint.Load(checkpoint.Path, model, optimizer: null);
        model.eval();
        loaded = (key, model);
        return model;
    }
}
