using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Infrastructure.Torch.Model;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using TorchSharp;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Training;

[Collection(TorchTrainingCollection.Name)]
public sealed class TorchEvaluatorTests(TrainedRunFixture fixture)
{
    [Theory]
    [InlineData(false, EvaluationCrops.Centre)]
    [InlineData(true, EvaluationCrops.TenCrop)]
    public async Task Evaluation_of_the_last_checkpoint_is_self_consistent(bool tenCrop, EvaluationCrops crops)
    {
        var result = await Evaluate(tenCrop);

        int images = TrainedRunFixture.Classes * TrainedRunFixture.ValidationPerClass;
        result.RunId.ShouldBe(fixture.RunId);
        result.Crops.ShouldBe(crops);
        result.ImageCount.ShouldBe(images);
        double.IsFinite(result.Loss).ShouldBeTrue();
        result.Loss.ShouldBeGreaterThan(0);
        result.Top1Error.ShouldBeInRange(0, 1);
        result.Top5Error.ShouldBeLessThanOrEqualTo(result.Top1Error);

        result.PerClassAccuracy.Count.ShouldBe(TrainedRunFixture.Classes);
        result.ConfusionMatrix.Count.ShouldBe(TrainedRunFixture.Classes);
        result.ConfusionMatrix.ShouldAllBe(row => row.Count == TrainedRunFixture.Classes);
        result.ConfusionMatrix.Select(row => row.Sum()).ShouldAllBe(count => count == TrainedRunFixture.ValidationPerClass);
        result.ConfusionMatrix.Sum(row => row.Sum()).ShouldBe(result.ImageCount);

        int correct = Enumerable.Range(0, TrainedRunFixture.Classes).Sum(c => result.ConfusionMatrix[c][c]);
        (1 - result.Top1Error).ShouldBe((double)correct / result.ImageCount, 1e-12);
        for (int c = 0; c < TrainedRunFixture.Classes; c++)
        {
            result.PerClassAccuracy[c].ShouldBe((double)result.ConfusionMatrix[c][c] / TrainedRunFixture.ValidationPerClass, 1e-12);
        }
    }

    [Fact]
    public async Task Centre_crop_evaluation_of_a_checkpoint_matches_the_validation_the_trainer_reported_for_it()
    {
        var result = await Evaluate(tenCrop: false);

        var validated = fixture.Epoch2.Metrics;
        result.Top1Error.ShouldBe(validated.ValidationTop1Error);
        result.Top5Error.ShouldBe(validated.ValidationTop5Error);
        result.Loss.ShouldBe(validated.ValidationLoss, 1e-9);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)] // each batch of 8 images x 10 crops as slices of 26, 27 and 27 crops on the workers
    public async Task Ten_crop_evaluation_averages_the_softmax_over_the_four_corners_the_centre_and_their_mirrors(int batchSlices)
    {
        string checkpoint = RandomNetCheckpoint();
        var evaluated = await Evaluate(tenCrop: true, checkpoint, batchSlices);

        // The same net and stored images, scored without the evaluator's crop writer, batching or torch softmax: each
        // crop cut from the mean-subtracted image by index, through the net alone, softmax and average in double.
        var logits = LogitsPerCrop(checkpoint, out var labels);
        var paper = Score(logits, labels, crops => Average(crops.Select(Softmax)));
        const double tolerance = 1e-6; // float32 forward, batched or not; the two agree to about 3e-8 here
        evaluated.Loss.ShouldBe(paper.Loss, tolerance);
        evaluated.ConfusionMatrix.ShouldBe(paper.Confusion);
        evaluated.Top1Error.ShouldBe(paper.Top1Error, 1e-12);
        paper.SmallestMargin.ShouldBeGreaterThan(1e-4, "no near-tie, so float rounding cannot flip a prediction");

        // The comparison tells the paper's recipe from its near misses (the closest, averaging logits, is 3e-5 away).
        var nearMisses = new Dictionary<string, Scores>
        {
            ["the centre crop alone"] = Score(logits, labels, crops => Softmax(crops[Centre])),
            ["the five crops without mirrors"] = Score(logits, labels, crops => Average(crops.Take(5).Select(Softmax))),
            ["the softmax of the averaged logits"] = Score(logits, labels, crops => Softmax(Average(crops))),
        };
        foreach (var (name, scores) in nearMisses)
        {
            Math.Abs(scores.Loss - evaluated.Loss).ShouldBeGreaterThan(10 * tolerance, name);
        }
    }

    private const int Centre = 4;

    private sealed record Scores(double Loss, double Top1Error, int[][] Confusion, double SmallestMargin);

    /// <summary>
    /// A fresh net at std 0.05 without the one-biases: it responds clearly to its input whatever training did to the
    /// fixture's net (a collapsed net scores every crop alike).
    /// </summary>
    private string RandomNetCheckpoint()
    {
        string checkpoint = Checkpoint.PathFor(fixture.NewDirectory("random-init"), 1);
        if (File.Exists(checkpoint))
        {
            return checkpoint;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(checkpoint)!);
        var model = fixture.Hyperparameters.Model with { Init = new InitHyperparameters { WeightStd = 0.05, OneBiasInHiddenLayers = false } };
        using var net = AlexNetModel.Create(model, TrainedRunFixture.Classes, seed: 3);
        using var optimizer = new SgdOptimizer(net.parameters(), fixture.Hyperparameters.Optimizer);
        Checkpoint.Save(checkpoint, net, optimizer);
        return checkpoint;
    }

    /// <summary>Per validation image, the logits of its ten crops: corners TL, TR, BL, BR, the centre, then the same mirrored.</summary>
    private double[][][] LogitsPerCrop(string checkpoint, out int[] labels)
    {
        var hp = fixture.Hyperparameters;
        hp.Data.SubtractMean.ShouldBeTrue();
        int size = fixture.Dataset.Settings.ImageSize, crop = hp.Model.InputSize, far = size - crop, middle = far / 2;
        (int Left, int Top)[] origins = [(0, 0), (far, 0), (0, far), (far, far), (middle, middle)];
        var mean = PreprocessedSplit.ReadMeanImage(fixture.Dataset.StorePath, size);
        using var split = PreprocessedSplit.Open(fixture.Dataset.StorePath, DatasetSplit.Validation, size);
        using var net = AlexNetModel.Create(hp.Model, TrainedRunFixture.Classes, hp.Seed);
        Checkpoint.Load(checkpoint, net, optimizer: null);
        net.eval();
        using var noGrad = torch.no_grad();

        labels = Enumerable.Range(0, split.Count).Select(split.Label).ToArray();
        var logits = new double[split.Count][][];
        for (int i = 0; i < split.Count; i++)
        {
            var image = split.Image(i).ToArray();
            logits[i] = [.. new[] { false, true }.SelectMany(mirror => origins.Select(origin =>
            {
                var pixels = new float[3 * crop * crop];
                for (int c = 0; c < 3; c++)
                {
                    for (int y = 0; y < crop; y++)
                    {
                        for (int x = 0; x < crop; x++)
                        {
                            int column = origin.Left + (mirror ? crop - 1 - x : x);
                            int at = ((origin.Top + y) * size + column) * 3 + c;
                            pixels[(c * crop + y) * crop + x] = image[at] - mean[at];
                        }
                    }
                }

                using var input = torch.tensor(pixels, [1, 3, crop, crop]);
                using var output = net.forward(input);
                return output.data<float>().Select(v => (double)v).ToArray();
            }))];
        }

        return logits;
    }

    private static Scores Score(double[][][] logits, int[] labels, Func<double[][], double[]> predict)
    {
        var confusion = Enumerable.Range(0, TrainedRunFixture.Classes).Select(_ => new int[TrainedRunFixture.Classes]).ToArray();
        double loss = 0, smallestMargin = double.MaxValue;
        for (int i = 0; i < labels.Length; i++)
        {
            var probabilities = predict(logits[i]);
            loss -= Math.Log(probabilities[labels[i]]);
            var ranked = probabilities.Select((p, c) => (p, c)).OrderByDescending(t => t.p).ToArray();
            confusion[labels[i]][ranked[0].c]++;
            smallestMargin = Math.Min(smallestMargin, ranked[0].p - ranked[1].p);
        }

        int correct = Enumerable.Range(0, TrainedRunFixture.Classes).Sum(c => confusion[c][c]);
        return new Scores(loss / labels.Length, 1 - (double)correct / labels.Length, confusion, smallestMargin);
    }

    private static double[] Softmax(double[] logits)
    {
        double max = logits.Max();
        var exp = logits.Select(v => Math.Exp(v - max)).ToArray();
        double sum = exp.Sum();
        return [.. exp.Select(v => v / sum)];
    }

    private static double[] Average(IEnumerable<double[]> vectors)
    {
        var list = vectors.ToList();
        return [.. Enumerable.Range(0, list[0].Length).Select(k => list.Average(v => v[k]))];
    }

    private Task<EvaluationResult> Evaluate(bool tenCrop, string? checkpoint = null, int batchSlices = 1)
    {
        var hyperparameters = fixture.Hyperparameters with { BatchSlices = batchSlices, Evaluation = new() { TenCrop = tenCrop } };
        return new TorchEvaluator(TimeProvider.System).EvaluateAsync(
            new EvaluationRequest(fixture.RunId, hyperparameters, fixture.Dataset, checkpoint ?? fixture.Epoch2.CheckpointPath), CancellationToken.None);
    }
}
