using System.Text.Json;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Data;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Retrieval;
using AlexNet.Experiments.Infrastructure.Torch.Tests.Data;
using AlexNet.Experiments.Infrastructure.Torch.Tests.Training;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using SkiaSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Retrieval;

/// <summary>fc7 of a trained tiny run's images, written as .npy and read back by NumPy, against the model's own Fc7Features.</summary>
[Collection(TorchTrainingCollection.Name)]
public sealed class FeatureExtractionTests(TrainedRunFixture run)
{
    private ModelCheckpoint Checkpoint => new(run.RunId, run.Hyperparameters, TrainedRunFixture.Classes, 2, run.Epoch2.CheckpointPath);

    /// <summary>fc7 of one stored image computed here: the checkpoint loaded into a fresh model in eval mode, the centre crop minus the mean.</summary>
    private float[][] ExpectedFc7(DatasetSplit split)
    {
        var hp = run.Hyperparameters;
        int size = run.Dataset.Settings.ImageSize, crop = hp.Model.InputSize;
        var mean = PreprocessedSplit.ReadMeanImage(run.Dataset.StorePath, size);
        using var images = PreprocessedSplit.Open(run.Dataset.StorePath, split, size);
        using var model = AlexNetModel.Create(hp.Model, TrainedRunFixture.Classes, seed: 12345);
        AlexNet.Experiments.Infrastructure.Torch.Training.Checkpoint.Load(run.Epoch2.CheckpointPath, model, optimizer: null);
        model.eval();
        using var noGrad = no_grad();
        var result = new float[images.Count][];
        for (int i = 0; i < images.Count; i++)
        {
            var pixels = new float[3 * crop * crop];
            int offset = (size - crop) / 2;
            // Written by hand rather than with the extractor's crop writer: CHW, mean subtracted per pixel.
            var image = images.Image(i);
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < crop; y++)
                {
                    for (int x = 0; x < crop; x++)
                    {
                        int stored = (((offset + y) * size) + offset + x) * 3 + c;
                        pixels[(c * crop * crop) + (y * crop) + x] = image[stored] - mean[stored];
                    }
                }
            }

            using var input = tensor(pixels, [1, 3, crop, crop]);
            using var fc7 = model.Fc7Features(input);
            result[i] = fc7.data<float>().ToArray();
        }

        return result;
    }

    [Fact]
    public async Task The_npy_artifacts_are_read_by_NumPy_and_equal_the_models_fc7()
    {
        using var folder = new TempDirectory();
        using var extractor = new TorchFeatureExtractor();

        var set = await extractor.ExtractAsync(Checkpoint, run.Dataset, DatasetSplit.Train, folder.Path, CancellationToken.None);

        int count = TrainedRunFixture.Classes * TrainedRunFixture.TrainPerClass;
        set.Count.ShouldBe(count);
        set.Dimension.ShouldBe(512); // 4096 x width 0.125
        Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order().ShouldBe(
            ["features-train-indices.npy", "features-train-labels.npy", "features-train.npy"]);

        var json = Python.Run(
            $"import json, numpy as np; f = np.load('{set.Files.Features}'); l = np.load('{set.Files.Labels}'); i = np.load('{set.Files.Indices}'); " +
            "print(json.dumps({'dtypes': [f.dtype.str, l.dtype.str, i.dtype.str], 'shape': list(f.shape), 'labels': l.tolist(), 'indices': i.tolist(), " +
            "'features': f.astype(float).tolist()}))");
        using var numpy = JsonDocument.Parse(json);
        var root = numpy.RootElement;
        root.GetProperty("dtypes").EnumerateArray().Select(e => e.GetString()).ShouldBe(["<f4", "<i8", "<i8"]);
        root.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ShouldBe([count, 512]);
        root.GetProperty("indices").EnumerateArray().Select(e => e.GetInt32()).ShouldBe(Enumerable.Range(0, count));
        using (var images = PreprocessedSplit.Open(run.Dataset.StorePath, DatasetSplit.Train, run.Dataset.Settings.ImageSize))
        {
            root.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()).ShouldBe(images.Labels.ToArray());
        }

        var expected = ExpectedFc7(DatasetSplit.Train);
        var rows = root.GetProperty("features").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        rows.Length.ShouldBe(count);
        double worst = 0;
        for (int i = 0; i < count; i++)
        {
            for (int d = 0; d < 512; d++)
            {
                worst = Math.Max(worst, Math.Abs(rows[i][d] - expected[i][d]) / (1 + Math.Abs(expected[i][d])));
            }
        }

        worst.ShouldBeLessThan(1e-4);
        rows.SelectMany(r => r).ShouldContain(v => v > 0, "fc7 after ReLU is not all zero");
    }

    [Fact]
    public async Task A_stored_image_and_its_PNG_upload_give_the_same_fc7_as_the_model()
    {
        using var extractor = new TorchFeatureExtractor();
        var expected = ExpectedFc7(DatasetSplit.Validation)[3];

        var stored = await extractor.EmbedStoredImageAsync(Checkpoint, run.Dataset, DatasetSplit.Validation, 3, CancellationToken.None);
        using (var images = PreprocessedSplit.Open(run.Dataset.StorePath, DatasetSplit.Validation, run.Dataset.Settings.ImageSize))
        {
            stored.Label.ShouldBe(images.Label(3));
        }

        stored.Vector.Zip(expected).ShouldAllBe(p => Math.Abs(p.First - p.Second) < 1e-4);

        // The stored square as a PNG (already at the stored size, so preprocessing leaves its pixels as they are).
        var png = await new StoredImages().EncodePngAsync(run.Dataset, DatasetSplit.Validation, 3, CancellationToken.None);
        png.AsSpan(0, 8).ToArray().ShouldBe(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A });
        var uploaded = await extractor.EmbedImageAsync(Checkpoint, run.Dataset, png, CancellationToken.None);
        uploaded.Zip(expected).ShouldAllBe(p => Math.Abs(p.First - p.Second) < 1e-4);

        // A larger grey JPEG is resized and given three channels, as the dataset's images were.
        using var grey = new SKBitmap(new SKImageInfo(200, 120, SKColorType.Gray8, SKAlphaType.Opaque));
        grey.Erase(new SKColor(90, 90, 90));
        using var jpeg = SKImage.FromBitmap(grey).Encode(SKEncodedImageFormat.Jpeg, 90);
        (await extractor.EmbedImageAsync(Checkpoint, run.Dataset, jpeg.ToArray(), CancellationToken.None)).Length.ShouldBe(512);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not an image at all")]
    [InlineData("\u0089PNG\r\n\u001a\n truncated")]
    public async Task Bytes_that_are_no_image_are_refused_with_a_reason(string text)
    {
        using var extractor = new TorchFeatureExtractor();
        var bytes = text.Select(c => (byte)c).ToArray();

        var refused = await Should.ThrowAsync<UnreadableImageException>(() => extractor.EmbedImageAsync(Checkpoint, run.Dataset, bytes, CancellationToken.None));
        refused.Message.ShouldNotBeNullOrWhiteSpace();
    }
}
