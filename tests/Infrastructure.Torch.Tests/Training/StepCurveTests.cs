using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Training;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Training;

/// <summary>The step-level points the trainer takes: run A of the fixture takes one after batches 2, 4 and 5 of each epoch.</summary>
[Collection(TorchTrainingCollection.Name)]
public sealed class StepCurveTests(TrainedRunFixture fixture)
{
    private const int EpochImages = TrainedRunFixture.Classes * TrainedRunFixture.TrainPerClass; // 36: four batches of 8 and one of 4

    [Fact]
    public void A_point_follows_every_second_batch_and_the_last_with_the_images_seen_over_the_run()
    {
        fixture.Points.Select(p => (p.Epoch, p.Batch, p.ImagesSeen)).ShouldBe(
            [(1, 2, 16), (1, 4, 32), (1, 5, 36), (2, 2, 52), (2, 4, 68), (2, 5, 72)]);
        fixture.Points.ShouldAllBe(p => p.RunId == fixture.RunId);
        Checkpoint.ReadSteps(fixture.Epoch2.CheckpointPath).ShouldBe(fixture.Points.Where(p => p.Epoch == 2), "kept beside the checkpoint");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Each_point_is_its_batches_mean_so_the_points_weighted_by_images_give_the_epochs_figures(int epoch)
    {
        var metrics = (epoch == 1 ? fixture.Epoch1 : fixture.Epoch2).Metrics;
        var points = fixture.Points.Where(p => p.Epoch == epoch).ToList();
        long[] images = [.. points.Select((p, i) => p.ImagesSeen - (i == 0 ? (epoch - 1) * EpochImages : points[i - 1].ImagesSeen))];
        images.ShouldBe([16, 16, 4]);

        points.Zip(images, (p, n) => p.TrainLoss * n).Sum().ShouldBe(metrics.TrainLoss * EpochImages, 1e-9);
        var top1Wrong = points.Zip(images, (p, n) => p.TrainTop1Error * n).ToList();
        top1Wrong.ShouldAllBe(wrong => Math.Abs(wrong - Math.Round(wrong)) < 1e-9, "an error is a count of wrong images over the point's images");
        top1Wrong.Sum().ShouldBe(metrics.TrainTop1Error * EpochImages, 1e-9);
        points.Zip(images, (p, n) => p.TrainTop5Error * n).Sum().ShouldBe(metrics.TrainTop5Error * EpochImages, 1e-9);
        points.Select(p => p.WallSeconds).ShouldBeInOrder(SortDirection.Ascending);
    }

    [Fact]
    public async Task An_interval_longer_than_the_epoch_takes_one_point_equal_to_the_epochs_figures_and_leaves_training_as_it_was()
    {
        var reported = new ListProgress<StepMetrics>();
        var request = fixture.Request(1, fixture.NewDirectory("one-point")) with
        {
            Steps = new StepRecording(100, SecondsBefore: 1000) { Points = reported },
        };

        var outcome = await TrainedRunFixture.CreateTrainer().TrainWholeEpochAsync(request);

        var point = reported.Values.ShouldHaveSingleItem();
        (point.Epoch, point.Batch, point.ImagesSeen).ShouldBe((1, 5, EpochImages));
        Bits(point.TrainLoss).ShouldBe(Bits(fixture.Epoch1.Metrics.TrainLoss));
        Bits(point.TrainTop1Error).ShouldBe(Bits(fixture.Epoch1.Metrics.TrainTop1Error));
        Bits(point.TrainTop5Error).ShouldBe(Bits(fixture.Epoch1.Metrics.TrainTop5Error));
        point.WallSeconds.ShouldBeInRange(1000, 1000 + outcome.Metrics.TrainSeconds!.Value, "the run's earlier seconds, then this epoch's");
        File.ReadAllBytes(outcome.CheckpointPath).ShouldBe(File.ReadAllBytes(fixture.Epoch1.CheckpointPath));
    }

    [Fact]
    public async Task A_partial_checkpoint_saved_before_step_points_existed_still_resumes_to_the_same_epoch()
    {
        string directory = fixture.NewDirectory("old-partial");
        var request = fixture.Request(1, directory);
        (await TrainedRunFixture.CreateTrainer().TrainEpochAsync(request with { TimeBudget = TimeSpan.Zero }, CancellationToken.None)).ShouldBeNull();
        // After one batch no point is taken yet: the step part is its totals at the previous point (4 numbers) and a count of 0.
        var partial = Checkpoint.PartialPathFor(directory, 1);
        var bytes = File.ReadAllBytes(partial);
        File.WriteAllBytes(partial, bytes[..^((4 * 8) + 4)]);

        var reported = new ListProgress<StepMetrics>();
        var outcome = await TrainedRunFixture.CreateTrainer().TrainWholeEpochAsync(request with { Steps = request.Steps with { Points = reported } });

        File.ReadAllBytes(outcome.CheckpointPath).ShouldBe(File.ReadAllBytes(fixture.Epoch1.CheckpointPath));
        reported.Values.Select(p => (p.Batch, p.ImagesSeen)).ShouldBe([(2, 16), (4, 32), (5, 36)]);
        // Its first point covers only the batch after the resumption, so differs from the unbroken epoch's; the later ones do not.
        reported.Values[0].TrainLoss.ShouldNotBe(fixture.Points[0].TrainLoss);
        reported.Values.Skip(1).Select(p => p with { WallSeconds = 0 }).ShouldBe(fixture.Points.Skip(1).Take(2).Select(p => p with { WallSeconds = 0 }));
    }

    private static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);
}
