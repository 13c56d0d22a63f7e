using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using AlexNet.Experiments.Infrastructure.Torch.Model;

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

    [Fact]
    public async Task Ten_crops_score_the_images_differently_from_the_centre_crop()
    {
        // A fresh net at std 0.05 without the one-biases responds clearly to its input whatever training did to the
        // fixture's net (a collapsed net scores every crop alike); averaging ten copies of one crop would differ by an ulp at most.
        string checkpoint = Checkpoint.PathFor(fixture.NewDirectory("random-init"), 1);
        Directory.CreateDirectory(Path.GetDirectoryName(checkpoint)!);
        var model = fixture.Hyperparameters.Model with { Init = new InitHyperparameters { WeightStd = 0.05, OneBiasInHiddenLayers = false } };
        using (var net = AlexNetModel.Create(model, TrainedRunFixture.Classes, seed: 3))
        using (var optimizer = new SgdOptimizer(net.parameters(), fixture.Hyperparameters.Optimizer))
        {
            Checkpoint.Save(checkpoint, net, optimizer);
        }

        var centre = await Evaluate(tenCrop: false, checkpoint);
        var tenCrop = await Evaluate(tenCrop: true, checkpoint);

        Math.Abs(tenCrop.Loss - centre.Loss).ShouldBeGreaterThan(1e-4);
    }

    private Task<EvaluationResult> Evaluate(bool tenCrop, string? checkpoint = null)
    {
        var hyperparameters = fixture.Hyperparameters with { Evaluation = new() { TenCrop = tenCrop } };
        return new TorchEvaluator(TimeProvider.System).EvaluateAsync(
            new EvaluationRequest(fixture.RunId, hyperparameters, fixture.Dataset, checkpoint ?? fixture.Epoch2.CheckpointPath), CancellationToken.None);
    }
}
