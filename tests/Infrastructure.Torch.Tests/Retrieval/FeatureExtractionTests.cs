using System.Text.Json;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Retrieval;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Retrieval;
using AlexNet.Experiments.Tests.Shared;
using AlexNet.Experiments.Infrastructure.Torch.Tests.Training;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using SkiaSharp;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Retrieval;

/// <summary>fc7 of a trained tiny run's images, written as .npy and read back by NumPy, against the model's own Fc7Features.</summary>
[Collection(TorchTrainingCollection.Name)]
public sealed class FeatureExtractionTests(TrainedRunFixture run) : IDisposable
{
    private readonly TempDirectory checkpoints = new();
    private ModelCheckpoint? checkpoint;

    /// <summary>
    /// The fixture's hyperparameters with weights N(0, 0.2): at width 0.125 the paper's N(0, 0.01) leaves fc7 almost constant
    /// (the one-biases dominate), and a test comparing fc7 values would then pass whatever the input, mean subtraction included.
    /// </summary>
    private ModelCheckpoint Checkpoint
    {
        get
        {
            if (checkpoint is null)
            {
                var hp = run.Hyperparameters with
                {
                    Model = run.Hyperparameters.Model with { Init = run.Hyperparameters.Model.Init with { WeightStd = 0.2 } },
                };
                var path = checkpoints.Combine("epoch-001.ckpt");
                using (var model = AlexNetModel.Create(hp.Model, TrainedRunFixture.Classes, hp.Seed))
                using (var optimizer = new SgdOptimizer(model.parameters(), hp.Optimizer))
                {
                    AlexNet.Experiments.Infrastructure.Torch.Training.Checkpoint.Save(path, model, optimizer);
                }

                checkpoint = new ModelCheckpoint(run.RunId, hp, TrainedRunFixture.Classes, 1, path);
            }

            return checkpoint;
        }
    }

    public void Dispose() => checkpoints.Dispose();

    /// <summary>fc7 of one stored image computed here: the checkpoint loaded into a fresh model in eval mode, the centre crop minus the mean.</summary>
    private float[][] ExpectedFc7(DatasetSplit split)
    {
        var hp = Checkpoint.Hyperparameters;
        int size = run.Dataset.Settings.ImageSize, crop = hp.Model.InputSize;
        var mean = PreprocessedSplit.ReadMeanImage(run.Dataset.StorePath, size);
        using var images = PreprocessedSplit.Open(run.Dataset.StorePath, split, size);
        using var model = AlexNetModel.Create(hp.Model, TrainedRunFixture.Classes, seed: 12345);
        AlexNet.Experiments.Infrastructure.Torch.Training.Checkpoint.Load(Checkpoint.Path, model, optimizer: null);
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

    private static double RelativeError(double[] actual, float[] expected)
    {
        double difference = 0, norm = 0;
        for (int d = 0; d < expected.Length; d++)
        {
            difference += (actual[d] - expected[d]) * (actual[d] - expected[d]);
            norm += (double)expected[d] * expected[d];
        }

        return Math.Sqrt(difference / Math.Max(norm, 1e-30));
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
        // Relative L2 error per row: a batch of 8 and a single image may take different convolution kernels, which round differently.
        double worst = Enumerable.Range(0, count).Max(i => RelativeError(rows[i], expected[i]));
        worst.ShouldBeLessThan(1e-5);
        rows.SelectMany(r => r).ShouldContain(v => v > 0, "fc7 after ReLU is not all zero");
        // The images' vectors differ by far more than the tolerance, so the comparison above can tell inputs apart.
        double spread = Enumerable.Range(0, 512).Max(d => rows.Max(r => r[d]) - rows.Min(r => r[d]));
        spread.ShouldBeGreaterThan(0.1);
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

        RelativeError(stored.Vector.Select(v => (double)v).ToArray(), expected).ShouldBeLessThan(1e-5);

        // The stored square as a PNG (already at the stored size, so preprocessing leaves its pixels as they are).
        var png = await new StoredImages().EncodePngAsync(run.Dataset, DatasetSplit.Validation, 3, CancellationToken.None);
        png.AsSpan(0, 8).ToArray().ShouldBe(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A });
        var uploaded = await extractor.EmbedImageAsync(Checkpoint, run.Dataset, png, CancellationToken.None);
        RelativeError(uploaded.Select(v => (double)v).ToArray(), expected).ShouldBeLessThan(1e-5);

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
