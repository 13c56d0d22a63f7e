using System.Buffers.Binary;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Infrastructure.Torch.Augmentation;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Augmentation;

public sealed class AugmentationTests
{
    private const int S = 8, C = 6, Plane = C * C;

    private static readonly byte[] Stored = RandomBytes(S * S * 3, seed: 1);
    private static readonly float[] Mean = RandomBytes(S * S * 3, seed: 2).Select(b => b * 0.75f + 0.125f).ToArray();

    // Orthonormal columns (a rotation about the grey axis would do as well); values descending like real PCA output.
    private static readonly ColourPca Pca = new(
        [1000, 100, 10],
        [0.6, -0.8, 0, 0.8, 0.6, 0, 0, 0, 1]);

    [Fact]
    public void With_every_switch_off_the_output_is_the_centre_crop_minus_the_mean()
    {
        var augmentation = Create(new DataHyperparameters { RandomCrop = false, HorizontalFlip = false, PcaColour = false });
        var crop = new float[3 * Plane];

        augmentation.Apply(Stored, crop, new Random(0));

        crop.ShouldBe(Expected(1, 1, flip: false, subtractMean: true));
        var centre = new float[3 * Plane];
        EvaluationCropWriter.WriteCentreCrop(Stored, S, Mean, 1, C, centre);
        centre.ShouldBe(crop);
    }

    [Fact]
    public void Without_mean_subtraction_the_output_is_on_the_raw_scale()
    {
        var augmentation = Create(new DataHyperparameters { RandomCrop = false, HorizontalFlip = false, PcaColour = false, SubtractMean = false });
        var crop = new float[3 * Plane];

        augmentation.Apply(Stored, crop, new Random(0));

        crop.ShouldBe(Expected(1, 1, flip: false, subtractMean: false));
    }

    [Fact]
    public void Flip_mirrors_the_crop_about_half_the_time()
    {
        var augmentation = Create(new DataHyperparameters { RandomCrop = false, HorizontalFlip = true, PcaColour = false });
        var plain = Expected(1, 1, flip: false, subtractMean: true);
        var mirrored = Expected(1, 1, flip: true, subtractMean: true);
        mirrored.ShouldNotBe(plain);
        int flips = 0;
        var crop = new float[3 * Plane];

        for (int seed = 0; seed < 200; seed++)
        {
            augmentation.Apply(Stored, crop, new Random(seed));
            bool flipped = new Random(seed).NextDouble() < 0.5;
            crop.ShouldBe(flipped ? mirrored : plain);
            flips += flipped ? 1 : 0;
        }

        flips.ShouldBeInRange(70, 130);
    }

    [Fact]
    public void Random_crops_cover_every_position_uniformly_drawn()
    {
        var augmentation = Create(new DataHyperparameters { RandomCrop = true, HorizontalFlip = false, PcaColour = false });
        var seen = new HashSet<(int, int)>();
        var crop = new float[3 * Plane];

        for (int seed = 0; seed < 60; seed++)
        {
            augmentation.Apply(Stored, crop, new Random(seed));
            var random = new Random(seed);
            int left = random.Next(S - C + 1), top = random.Next(S - C + 1);
            crop.ShouldBe(Expected(left, top, flip: false, subtractMean: true));
            seen.Add((left, top));
        }

        seen.Count.ShouldBe(9);
    }

    [Fact]
    public void Pca_noise_adds_one_rgb_offset_per_image_constant_over_pixels()
    {
        var augmentation = Create(new DataHyperparameters { RandomCrop = false, HorizontalFlip = false, PcaColour = true, PcaStd = 0.1 });
        var baseline = Expected(1, 1, flip: false, subtractMean: true);
        var random = new Random(42);
        var expectedRandom = new Random(42);
        var crop = new float[3 * Plane];
        var offsets = new List<double[]>();

        for (int call = 0; call < 2; call++)
        {
            augmentation.Apply(Stored, crop, random);

            // Independent Box-Muller: alpha_i ~ N(0, 0.1), offset = sum_i v_i * alpha_i * lambda_i / 255 (the formula on [0, 1] intensities).
            var alpha = new double[3];
            for (int i = 0; i < 3; i++)
            {
                double u1 = 1.0 - expectedRandom.NextDouble(), u2 = expectedRandom.NextDouble();
                alpha[i] = 0.1 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            }

            var offset = new double[3];
            for (int c = 0; c < 3; c++)
            {
                for (int i = 0; i < 3; i++)
                {
                    offset[c] += Pca.Eigenvectors[c * 3 + i] * alpha[i] * (Pca.Eigenvalues[i] / 255.0);
                }

                for (int p = 0; p < Plane; p++)
                {
                    ((double)(crop[c * Plane + p] - baseline[c * Plane + p])).ShouldBe(offset[c], 1e-3);
                }
            }

            offset.ShouldContain(o => Math.Abs(o) > 0.01);
            offsets.Add(offset);
        }

        // A new draw per call, i.e. per image per presentation.
        offsets[1].ShouldNotBe(offsets[0]);
    }

    [Fact]
    public void Ten_crops_are_the_corners_and_centre_then_their_mirrors()
    {
        var crops = new float[EvaluationCropWriter.TenCropCount * 3 * Plane];

        EvaluationCropWriter.WriteTenCrops(Stored, S, Mean, 1, C, crops);

        (int Left, int Top)[] corners = [(0, 0), (2, 0), (0, 2), (2, 2), (1, 1)];
        for (int i = 0; i < 10; i++)
        {
            var (left, top) = corners[i % 5];
            crops.AsSpan(i * 3 * Plane, 3 * Plane).ToArray().ShouldBe(Expected(left, top, flip: i >= 5, subtractMean: true), $"crop {i}");
        }
    }

    [Fact]
    public void Pixel_scale_multiplies_the_mean_subtracted_pixels_in_training_and_test_crops()
    {
        const float scale = 1f / 255;
        var hyperparameters = Hyperparameters(new DataHyperparameters { ImageSize = S, RandomCrop = false, HorizontalFlip = false, PcaColour = false });
        var augmentation = new TrainingAugmentation(hyperparameters with { Model = hyperparameters.Model with { PixelScale = scale } }, Version(""), Mean);
        var crop = new float[3 * Plane];
        var centre = new float[3 * Plane];

        augmentation.Apply(Stored, crop, new Random(0));
        EvaluationCropWriter.WriteCentreCrop(Stored, S, Mean, scale, C, centre);

        var expected = Expected(1, 1, flip: false, subtractMean: true).Select(v => v * scale).ToArray();
        crop.ShouldBe(expected);
        centre.ShouldBe(expected);
        crop.Max().ShouldBeLessThan(1f);
    }

    [Fact]
    public void Factory_reads_the_mean_image_from_the_store()
    {
        using var store = new TempDirectory();
        var bytes = new byte[Mean.Length * 4];
        for (int i = 0; i < Mean.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), Mean[i]);
        }

        File.WriteAllBytes(store.Combine("mean.bin"), bytes);
        var hyperparameters = Hyperparameters(new DataHyperparameters { ImageSize = S, RandomCrop = false, HorizontalFlip = false, PcaColour = false });
        var crop = new float[3 * Plane];

        new TorchAugmentationFactory().CreateTraining(hyperparameters, Version(store.Path)).Apply(Stored, crop, new Random(1));

        crop.ShouldBe(Expected(1, 1, flip: false, subtractMean: true));
        Should.Throw<ArgumentException>(() => new TorchAugmentationFactory().CreateTraining(hyperparameters with { Data = hyperparameters.Data with { ImageSize = 256 } }, Version(store.Path)));
    }

    private static TrainingAugmentation Create(DataHyperparameters data) =>
        new(Hyperparameters(data with { ImageSize = S }), Version(""), Mean);

    private static Hyperparameters Hyperparameters(DataHyperparameters data) =>
        new() { Model = new ModelHyperparameters { InputSize = C }, Data = data };

    private static DatasetVersion Version(string storePath) =>
        new("hash", Guid.Empty, new PreprocessingSettings(S), ["a"], 1, 0, [], null, Pca, storePath, DateTimeOffset.UnixEpoch);

    private static float[] Expected(int left, int top, bool flip, bool subtractMean)
    {
        var expected = new float[3 * Plane];
        for (int y = 0; y < C; y++)
        {
            for (int x = 0; x < C; x++)
            {
                int sourceX = left + (flip ? C - 1 - x : x);
                for (int c = 0; c < 3; c++)
                {
                    int index = ((top + y) * S + sourceX) * 3 + c;
                    expected[c * Plane + y * C + x] = subtractMean ? Stored[index] - Mean[index] : Stored[index];
                }
            }
        }

        return expected;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
