using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Torch.Augmentation;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using static TorchSharp.torch;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Training;

[Collection(TorchTrainingCollection.Name)]
public sealed class TorchTrainerTests(TrainedRunFixture fixture)
{
    [Fact]
    public void Each_epoch_writes_its_checkpoint_and_metrics_next_to_it()
    {
        fixture.Epoch1.CheckpointPath.ShouldBe(Path.Combine(fixture.RunDirectory, "epoch-001.ckpt"));
        fixture.Epoch2.CheckpointPath.ShouldBe(Path.Combine(fixture.RunDirectory, "epoch-002.ckpt"));
        File.Exists(fixture.Epoch1.CheckpointPath).ShouldBeTrue();
        File.Exists(fixture.Epoch2.CheckpointPath).ShouldBeTrue();
        File.Exists(Path.Combine(fixture.RunDirectory, "epoch-002.metrics.json")).ShouldBeTrue();
        Directory.EnumerateFiles(fixture.RunDirectory, "*.tmp").ShouldBeEmpty();
    }

    [Theory]
    [InlineData(1, TrainedRunFixture.Epoch1Rate)]
    [InlineData(2, TrainedRunFixture.Epoch2Rate)]
    public void Epoch_metrics_are_finite_fractions_and_echo_the_request(int epoch, double learningRate)
    {
        var metrics = (epoch == 1 ? fixture.Epoch1 : fixture.Epoch2).Metrics;

        metrics.RunId.ShouldBe(fixture.RunId);
        metrics.Epoch.ShouldBe(epoch);
        metrics.LearningRate.ShouldBe(learningRate);
        double.IsFinite(metrics.TrainLoss).ShouldBeTrue();
        double.IsFinite(metrics.ValidationLoss).ShouldBeTrue();
        metrics.TrainLoss.ShouldBeGreaterThan(0);
        metrics.ValidationLoss.ShouldBeGreaterThan(0);
        foreach (double error in new[] { metrics.TrainTop1Error, metrics.TrainTop5Error, metrics.ValidationTop1Error, metrics.ValidationTop5Error })
        {
            error.ShouldBeInRange(0, 1);
        }

        metrics.TrainTop5Error.ShouldBeLessThanOrEqualTo(metrics.TrainTop1Error);
        // Three classes: top-5 is capped at top-3, which always holds the label.
        metrics.ValidationTop5Error.ShouldBe(0);
        metrics.ImagesPerSecond.ShouldBeGreaterThan(0);
        double.IsFinite(metrics.ImagesPerSecond).ShouldBeTrue();
        metrics.TrainSeconds!.Value.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task A_separate_run_resumed_from_its_checkpoints_reproduces_run_A_bit_for_bit()
    {
        string directory = fixture.NewDirectory("run-b");

        var epoch1 = await TrainedRunFixture.CreateTrainer().TrainWholeEpochAsync(fixture.Request(1, directory));
        // Whatever else the process drew from the global generator in between must not leak into epoch 2.
        rand(1000).Dispose();
        var epoch2 = await TrainedRunFixture.CreateTrainer().TrainWholeEpochAsync(fixture.Request(2, directory));

        Reproducible(epoch1.Metrics).ShouldBe(Reproducible(fixture.Epoch1.Metrics));
        Reproducible(epoch2.Metrics).ShouldBe(Reproducible(fixture.Epoch2.Metrics));
        BitConverter.DoubleToInt64Bits(epoch2.Metrics.TrainLoss).ShouldBe(BitConverter.DoubleToInt64Bits(fixture.Epoch2.Metrics.TrainLoss));
        File.ReadAllBytes(epoch1.CheckpointPath).ShouldBe(File.ReadAllBytes(fixture.Epoch1.CheckpointPath));
        File.ReadAllBytes(epoch2.CheckpointPath).ShouldBe(File.ReadAllBytes(fixture.Epoch2.CheckpointPath));
    }

    [Fact]
    public async Task An_epoch_already_on_disk_returns_its_stored_outcome_without_training()
    {
        var written = File.GetLastWriteTimeUtc(fixture.Epoch2.CheckpointPath);
        var bytes = File.ReadAllBytes(fixture.Epoch2.CheckpointPath);

        var reported = new ListProgress<StepMetrics>();

        // The factory throws if asked for augmentation, i.e. if the epoch were trained again.
        var outcome = await TrainedRunFixture.CreateTrainer(new ThrowingAugmentationFactory())
            .TrainWholeEpochAsync(fixture.Request(2, fixture.RunDirectory) with { Steps = new StepRecording(TrainedRunFixture.StepBatches) { Points = reported } });

        outcome.ShouldBe(fixture.Epoch2);
        reported.Values.ShouldBe(fixture.Points.Where(p => p.Epoch == 2), "a crash may have kept the points from the store");
        File.GetLastWriteTimeUtc(fixture.Epoch2.CheckpointPath).ShouldBe(written);
        File.ReadAllBytes(fixture.Epoch2.CheckpointPath).ShouldBe(bytes);
    }

    [Fact]
    public async Task An_epoch_whose_metrics_file_was_cut_short_by_a_crash_is_trained_again()
    {
        // A crash (or power cut) while the metrics are written leaves the checkpoint complete but the metrics file
        // empty or cut short. The epoch is deterministic, so training it again is the safe recovery.
        string directory = fixture.NewDirectory("crashed-while-writing-metrics");
        Directory.CreateDirectory(directory);
        File.Copy(fixture.Epoch1.CheckpointPath, Checkpoint.PathFor(directory, 1));
        File.WriteAllText(Path.Combine(directory, "epoch-001.metrics.json"), "");

        var outcome = await TrainedRunFixture.CreateTrainer().TrainWholeEpochAsync(fixture.Request(1, directory));

        Reproducible(outcome.Metrics).ShouldBe(Reproducible(fixture.Epoch1.Metrics));
        File.ReadAllBytes(outcome.CheckpointPath).ShouldBe(File.ReadAllBytes(fixture.Epoch1.CheckpointPath));
    }

    [Fact]
    public async Task An_epoch_split_after_every_batch_ends_exactly_as_the_unbroken_epoch()
    {
        string directory = fixture.NewDirectory("split-epoch");
        var request = fixture.Request(1, directory) with { TimeBudget = TimeSpan.Zero };
        var partial = Checkpoint.PartialPathFor(directory, 1);

        int calls = 0;
        EpochOutcome? outcome = null;
        var reported = new ListProgress<StepMetrics>();
        while (outcome is null)
        {
            calls++;
            // Another job in between reseeds and draws from the global generator; training must draw nothing from it.
            manual_seed(Random.Shared.NextInt64());
            rand(Random.Shared.Next(1, 1000)).Dispose();
            reported.Values.Clear();
            outcome = await TrainedRunFixture.CreateTrainer().TrainEpochAsync(
                request with { Steps = request.Steps with { Points = reported } }, CancellationToken.None);
            if (outcome is null)
            {
                File.Exists(partial).ShouldBeTrue();
            }
        }

        calls.ShouldBe((TrainedRunFixture.Classes * TrainedRunFixture.TrainPerClass + 7) / 8); // one batch per call
        File.Exists(partial).ShouldBeFalse();
        // The last call reports every point of the epoch, the earlier calls' again, each as the unbroken epoch took it.
        reported.Values.Select(WithoutTime).ShouldBe(fixture.Points.Where(p => p.Epoch == 1).Select(WithoutTime));
        Reproducible(outcome.Metrics).ShouldBe(Reproducible(fixture.Epoch1.Metrics));
        File.ReadAllBytes(outcome.CheckpointPath).ShouldBe(File.ReadAllBytes(fixture.Epoch1.CheckpointPath));
    }

    [Fact]
    public async Task Two_runs_trained_at_once_on_two_threads_match_each_run_trained_alone()
    {
        // Run B differs from run A in seed and dropout rate, and computes its batches as slices on the shared workers; both
        // have the same number of batches, so they can be kept in step.
        var runB = TrainedRunFixture.Tiny(seed: 2) with { BatchSlices = 2, Model = TrainedRunFixture.Tiny(seed: 2).Model with { Dropout = 0.3 } };
        string aloneB = fixture.NewDirectory("b-alone");
        var bAlone = new[]
        {
            await TrainedRunFixture.CreateTrainer().TrainWholeEpochAsync(fixture.Request(1, aloneB, runB)),
            await TrainedRunFixture.CreateTrainer().TrainWholeEpochAsync(fixture.Request(2, aloneB, runB)),
        };

        // Both runs wait for each other after every batch, so each batch of one is computed while the other's is.
        using var inStep = new Barrier(2);
        var lockstep = new CallbackProgress(_ => inStep.SignalAndWait(TimeSpan.FromSeconds(60)).ShouldBeTrue("the other run stopped"));
        async Task<EpochOutcome[]> TrainAsync(string directory, Hyperparameters hp) =>
        [
            await TrainedRunFixture.CreateTrainer().TrainWholeEpochAsync(fixture.Request(1, directory, hp) with { Progress = lockstep }),
            await TrainedRunFixture.CreateTrainer().TrainWholeEpochAsync(fixture.Request(2, directory, hp) with { Progress = lockstep }),
        ];

        var together = await Task.WhenAll(
            Task.Run(() => TrainAsync(fixture.NewDirectory("a-together"), fixture.Hyperparameters)),
            Task.Run(() => TrainAsync(fixture.NewDirectory("b-together"), runB)));

        var aAlone = new[] { fixture.Epoch1, fixture.Epoch2 };
        foreach (var (alone, concurrent) in aAlone.Zip(together[0]).Concat(bAlone.Zip(together[1])))
        {
            Reproducible(concurrent.Metrics).ShouldBe(Reproducible(alone.Metrics));
            Sha256(concurrent.CheckpointPath).ShouldBe(Sha256(alone.CheckpointPath));
        }

        Sha256(bAlone[1].CheckpointPath).ShouldNotBe(Sha256(fixture.Epoch2.CheckpointPath));
    }

    [Fact]
    public async Task A_stop_request_saves_the_epoch_at_the_next_batch_boundary_and_the_epoch_resumes_bit_for_bit()
    {
        string directory = fixture.NewDirectory("cancelled");
        using var stop = new CancellationTokenSource();
        var cancelAfterTwoBatches = new CallbackProgress(p =>
        {
            if (p.ImagesDone >= 16)
            {
                stop.Cancel();
            }
        });

        await Should.ThrowAsync<OperationCanceledException>(() =>
            TrainedRunFixture.CreateTrainer().TrainEpochAsync(fixture.Request(1, directory) with { Progress = cancelAfterTwoBatches }, stop.Token));

        File.Exists(Checkpoint.PartialPathFor(directory, 1)).ShouldBeTrue("the stop took the time-budget path and saved the epoch");
        File.Exists(Checkpoint.PathFor(directory, 1)).ShouldBeFalse();
        var outcome = await TrainedRunFixture.CreateTrainer().TrainWholeEpochAsync(fixture.Request(1, directory));
        Reproducible(outcome.Metrics).ShouldBe(Reproducible(fixture.Epoch1.Metrics));
        File.ReadAllBytes(outcome.CheckpointPath).ShouldBe(File.ReadAllBytes(fixture.Epoch1.CheckpointPath));
    }

    [Fact]
    public async Task A_loss_that_becomes_infinite_or_NaN_stops_the_epoch_as_diverged_naming_the_batch()
    {
        string directory = fixture.NewDirectory("diverged");
        var request = fixture.Request(1, directory) with { LearningRate = 10 };

        var diverged = await Should.ThrowAsync<TrainingDivergedException>(() => TrainedRunFixture.CreateTrainer().TrainEpochAsync(request, CancellationToken.None));

        diverged.Epoch.ShouldBe(1);
        diverged.Batch.ShouldBeInRange(1, (TrainedRunFixture.Classes * TrainedRunFixture.TrainPerClass + 7) / 8);
        Directory.EnumerateFiles(directory).ShouldBeEmpty("nothing of a diverged epoch is kept");
    }

    private sealed class CallbackProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    [Fact]
    public async Task Training_reports_images_done_after_every_batch()
    {
        var reports = new RecordingProgress();
        var request = fixture.Request(1, fixture.NewDirectory("progress")) with { Progress = reports };

        await TrainedRunFixture.CreateTrainer().TrainWholeEpochAsync(request);

        int total = TrainedRunFixture.Classes * TrainedRunFixture.TrainPerClass;
        reports.Values.Select(p => p.ImagesDone).ShouldBe(Enumerable.Range(1, total / 8).Select(b => b * 8).Append(total).Distinct());
        reports.Values.ShouldAllBe(p => p.ImagesTotal == total);
    }

    private sealed class RecordingProgress : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Values { get; } = [];

        public void Report(TrainingProgress value) => Values.Add(value);
    }

    [Fact]
    public async Task A_different_seed_gives_a_different_first_epoch()
    {
        string directory = fixture.NewDirectory("seed-2");

        var other = await TrainedRunFixture.CreateTrainer()
            .TrainWholeEpochAsync(fixture.Request(1, directory, TrainedRunFixture.Tiny(seed: 2)));

        other.Metrics.TrainLoss.ShouldNotBe(fixture.Epoch1.Metrics.TrainLoss);
        File.ReadAllBytes(other.CheckpointPath).ShouldNotBe(File.ReadAllBytes(fixture.Epoch1.CheckpointPath));
    }

    [Fact]
    public async Task A_missing_previous_checkpoint_fails_instead_of_training_from_scratch()
    {
        string directory = fixture.NewDirectory("no-epoch-1");

        await Should.ThrowAsync<FileNotFoundException>(
            () => TrainedRunFixture.CreateTrainer().TrainWholeEpochAsync(fixture.Request(2, directory)));
        File.Exists(Checkpoint.PathFor(directory, 2)).ShouldBeFalse();
    }

    private static string Sha256(string path) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    private static StepMetrics WithoutTime(StepMetrics point) => point with { WallSeconds = 0 };

    /// <summary>Throughput and wall-clock time are the only fields allowed to differ between identical runs.</summary>
    private static EpochMetrics Reproducible(EpochMetrics metrics) => metrics with { ImagesPerSecond = 0, RecordedAt = default, TrainSeconds = null };

    private sealed class ThrowingAugmentationFactory : IAugmentationFactory
    {
        public IAugmentation CreateTraining(Hyperparameters hyperparameters, DatasetVersion dataset) =>
            throw new InvalidOperationException("The epoch was trained again.");
    }
}
