using AlexNet.Experiments.Tests.Shared;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests;

public abstract class RoundTripTests : StorageTest
{
    public sealed class Sqlite : RoundTripTests
    {
        protected override StorageBackend Backend => StorageBackend.Sqlite;
    }

    public sealed class PostgreSql : RoundTripTests
    {
        protected override StorageBackend Backend => StorageBackend.PostgreSql;
    }

    [Fact]
    public async Task Dataset_round_trips()
    {
        var dataset = Samples.Dataset();
        await Store.AddDatasetAsync(dataset, Ct);

        (await Store.GetDatasetAsync(dataset.Id, Ct)).ShouldBe(dataset);
        (await Store.ListDatasetsAsync(Ct)).ShouldBe([dataset]);
        (await Store.GetDatasetAsync(Guid.NewGuid(), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Dataset_version_round_trips_with_its_class_names_and_colour_pca()
    {
        var dataset = Samples.Dataset();
        await Store.AddDatasetAsync(dataset, Ct);
        var version = Samples.Version(dataset.Id);
        await Store.AddDatasetVersionAsync(version, Ct);

        var stored = await Store.GetDatasetVersionAsync(version.ContentHash, Ct);
        stored.ShouldHaveSameFields(version);
        stored!.ColourPca.Eigenvectors.ShouldBe(version.ColourPca.Eigenvectors); // bit-exact doubles through JSON
        stored.Skipped.ShouldBe(version.Skipped);
        stored.HoldOut.ShouldBe(version.HoldOut);
        (await Store.GetDatasetVersionAsync("unknown", Ct)).ShouldBeNull();
        (await Store.ListDatasetVersionsAsync(dataset.Id, Ct)).ShouldHaveSingleItem().Skipped.ShouldBe(version.Skipped);
        (await Store.ListDatasetVersionsAsync(Guid.NewGuid(), Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_dataset_is_found_by_its_source_path_and_format()
    {
        var dataset = Samples.Dataset();
        await Store.AddDatasetAsync(dataset, Ct);

        (await Store.FindDatasetAsync(dataset.SourcePath, dataset.Format, Ct)).ShouldBe(dataset);
        (await Store.FindDatasetAsync(dataset.SourcePath, DatasetFormat.ImageFolder, Ct)).ShouldBeNull();
        (await Store.FindDatasetAsync(dataset.SourcePath + "x", dataset.Format, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Experiment_and_run_round_trip()
    {
        var seeded = await Samples.SeedAsync(Store);

        (await Store.GetExperimentAsync(seeded.Experiment.Id, Ct)).ShouldBe(seeded.Experiment);
        (await Store.GetRunAsync(seeded.Run.Id, Ct)).ShouldBe(seeded.Run);
        (await Store.ListRunsAsync(seeded.Experiment.Id, Ct)).ShouldBe([seeded.Run]);
        (await Store.GetExperimentAsync(Guid.NewGuid(), Ct)).ShouldBeNull();
        (await Store.GetRunAsync(Guid.NewGuid(), Ct)).ShouldBeNull();
    }

    [Theory]
    [InlineData(RunStatus.Queued)]
    [InlineData(RunStatus.Preprocessing)]
    [InlineData(RunStatus.Training)]
    [InlineData(RunStatus.Evaluating)]
    [InlineData(RunStatus.Succeeded)]
    [InlineData(RunStatus.Failed)]
    [InlineData(RunStatus.Diverged)]
    public async Task Updating_a_run_stores_its_progress_and_nothing_else(RunStatus status)
    {
        var seeded = await Samples.SeedAsync(Store);
        var updated = seeded.Run.With(status: status, datasetVersionHash: seeded.Version.ContentHash, epochsCompleted: 17, error: "TrainEpoch: out of memory", updatedAt: Samples.T0.AddDays(3), divergence: status == RunStatus.Diverged ? new Divergence(17, 1000) : null);

        (await Store.TryAdvanceRunAsync(seeded.Run, updated.With(hyperparameters: AlexNet.Experiments.Application.Common.HyperparameterJson.FromJson("""{"seed":2}"""), currentJobId: "hangfire-42"), Ct)).ShouldBeTrue();

        (await Store.GetRunAsync(seeded.Run.Id, Ct)).ShouldBe(updated);
    }

    [Fact]
    public async Task Updating_a_run_can_clear_its_nullable_fields()
    {
        var seeded = await Samples.SeedAsync(Store);
        await Store.MoveAsync(seeded.Run.With(datasetVersionHash: seeded.Version.ContentHash, error: "x"));
        var cleared = seeded.Run.With(status: RunStatus.Succeeded, updatedAt: Samples.T0.AddDays(1));

        await Store.MoveAsync(cleared);

        (await Store.GetRunAsync(seeded.Run.Id, Ct)).ShouldBe(cleared);
    }

    [Fact]
    public async Task A_second_run_joins_its_experiment()
    {
        var seeded = await Samples.SeedAsync(Store);
        var second = Samples.Run(seeded.Experiment.Id, Samples.T0.AddHours(1));

        await Store.AddRunAsync(second, Ct);

        (await Store.GetRunAsync(second.Id, Ct)).ShouldBe(second);
        (await Store.ListRunsAsync(seeded.Experiment.Id, Ct)).ShouldBe([seeded.Run, second]);
        (await Store.ListExperimentsAsync(Ct)).Single().LatestRunId.ShouldBe(second.Id);
    }

    [Fact]
    public async Task Advancing_a_run_succeeds_once_from_the_expected_state()
    {
        var seeded = await Samples.SeedAsync(Store);
        var training = seeded.Run.With(status: RunStatus.Training, datasetVersionHash: seeded.Version.ContentHash, epochsCompleted: 1);
        await Store.MoveAsync(training);
        var advanced = training.With(epochsCompleted: 2, updatedAt: Samples.T0.AddDays(1));

        (await Store.TryAdvanceRunAsync(training, advanced, Ct)).ShouldBeTrue();
        (await Store.TryAdvanceRunAsync(training, advanced.With(epochsCompleted: 3), Ct)).ShouldBeFalse();
        (await Store.TryAdvanceRunAsync(advanced.With(updatedAt: Samples.T0), advanced.With(epochsCompleted: 3), Ct)).ShouldBeFalse("a stale update time loses too");

        (await Store.GetRunAsync(seeded.Run.Id, Ct)).ShouldBe(advanced);
    }

    [Fact]
    public async Task Advancing_an_unknown_run_changes_nothing()
    {
        await Samples.SeedAsync(Store);
        var unknown = Samples.Run(Guid.NewGuid());
        (await Store.TryAdvanceRunAsync(unknown, unknown.With(status: RunStatus.Failed), Ct)).ShouldBeFalse();
        (await Store.GetRunAsync(unknown.Id, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Setting_the_run_job_touches_only_the_job()
    {
        var seeded = await Samples.SeedAsync(Store);
        var running = seeded.Run.With(status: RunStatus.Training, epochsCompleted: 3, datasetVersionHash: seeded.Version.ContentHash, error: "kept");
        await Store.MoveAsync(running);

        await Store.SetRunJobAsync(seeded.Run.Id, "job-9", Ct);

        (await Store.GetRunAsync(seeded.Run.Id, Ct)).ShouldBe(running.With(currentJobId: "job-9"));
        await Should.ThrowAsync<InvalidOperationException>(() => Store.SetRunJobAsync(Guid.NewGuid(), "job-10", Ct));
    }

    [Fact]
    public async Task Hyperparameter_record_round_trips()
    {
        var seeded = await Samples.SeedAsync(Store);
        var record = Samples.Record(seeded.Run.Id, seeded.Version.ContentHash);
        await Store.SaveHyperparameterRecordAsync(record, Ct);

        (await Store.GetHyperparameterRecordAsync(seeded.Run.Id, Ct)).ShouldBe(record);
        (await Store.GetHyperparameterRecordAsync(Guid.NewGuid(), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Epoch_metrics_round_trip_in_epoch_order()
    {
        var seeded = await Samples.SeedAsync(Store);
        var metrics = new[] { 3, 1, 2 }.Select(epoch => Samples.Metrics(seeded.Run.Id, epoch)).ToList();
        foreach (var m in metrics)
        {
            await Store.AddEpochMetricsAsync(m, Ct);
        }

        (await Store.GetEpochMetricsAsync(seeded.Run.Id, Ct)).ShouldBe(metrics.OrderBy(m => m.Epoch));
        (await Store.GetEpochMetricsAsync(Guid.NewGuid(), Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Epoch_metrics_keep_nan_and_infinity()
    {
        // A diverged run: SQLite would turn a NaN REAL into NULL, so the store must bring it back as NaN.
        var seeded = await Samples.SeedAsync(Store);
        var diverged = Samples.Metrics(seeded.Run.Id, 1) with
        {
            TrainLoss = double.NaN,
            ValidationLoss = double.PositiveInfinity,
            ImagesPerSecond = double.NegativeInfinity,
            LearningRate = double.Epsilon,
        };
        await Store.AddEpochMetricsAsync(diverged, Ct);

        (await Store.GetEpochMetricsAsync(seeded.Run.Id, Ct)).ShouldHaveSingleItem().ShouldBe(diverged);
    }

    [Fact]
    public async Task Step_points_of_several_runs_round_trip_to_the_last_bit_in_epoch_and_batch_order()
    {
        var seeded = await Samples.SeedAsync(Store);
        var other = Samples.Run(seeded.Experiment.Id);
        await Store.AddRunAsync(other, Ct);
        var points = Samples.Steps(seeded.Run.Id, 2).Concat(Samples.Steps(seeded.Run.Id, 1)).ToList();
        points[0] = points[0] with { TrainLoss = double.NaN, TrainTop1Error = 1.0 / 3, ImagesSeen = 3_000_000_000 }; // past an int

        await Store.AddStepMetricsAsync([.. points, .. Samples.Steps(other.Id, 1)], Ct);

        var stored = await Store.GetStepMetricsAsync(seeded.Run.Id, Ct);
        stored.ShouldBe(points.OrderBy(p => p.Epoch).ThenBy(p => p.Batch));
        BitConverter.DoubleToInt64Bits(stored[5].TrainTop1Error).ShouldBe(BitConverter.DoubleToInt64Bits(1.0 / 3));
        (await Store.GetStepMetricsAsync(other.Id, Ct)).ShouldBe(Samples.Steps(other.Id, 1));
        (await Store.GetStepMetricsAsync(Guid.NewGuid(), Ct)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(EvaluationCrops.Centre)]
    [InlineData(EvaluationCrops.TenCrop)]
    public async Task Evaluation_round_trips_with_its_per_class_accuracy_and_confusion_matrix(EvaluationCrops crops)
    {
        var seeded = await Samples.SeedAsync(Store);
        var evaluation = Samples.Evaluation(seeded.Run.Id, crops);
        await Store.SaveEvaluationAsync(evaluation, Ct);

        (await Store.GetEvaluationAsync(seeded.Run.Id, Ct)).ShouldHaveSameFields(evaluation);
        (await Store.GetEvaluationAsync(Guid.NewGuid(), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Evaluation_keeps_nan_in_its_numbers_and_arrays()
    {
        // A class without validation images has no accuracy.
        var seeded = await Samples.SeedAsync(Store);
        var evaluation = Samples.Evaluation(seeded.Run.Id) with { Loss = double.NaN, PerClassAccuracy = [double.NaN, 1, double.PositiveInfinity] };
        await Store.SaveEvaluationAsync(evaluation, Ct);

        var stored = await Store.GetEvaluationAsync(seeded.Run.Id, Ct);
        stored.ShouldHaveSameFields(evaluation);
        double.IsNaN(stored!.Loss).ShouldBeTrue();
        double.IsNaN(stored.PerClassAccuracy[0]).ShouldBeTrue();
    }

    [Fact]
    public async Task Artifacts_round_trip_oldest_first()
    {
        var seeded = await Samples.SeedAsync(Store);
        var second = Samples.Artifact(seeded.Run.Id, "/data/runs/x/epoch-0002.ckpt", Samples.T0.AddHours(2)) with { Epoch = 2 };
        var first = Samples.Artifact(seeded.Run.Id, "/data/runs/x/epoch-0001.ckpt", Samples.T0.AddHours(1)) with { Kind = "mean-image", Bytes = 0 };
        await Store.AddArtifactAsync(second, Ct);
        await Store.AddArtifactAsync(first, Ct);

        (await Store.ListArtifactsAsync(seeded.Run.Id, Ct)).ShouldBe([first, second]);
        (await Store.ListArtifactsAsync(Guid.NewGuid(), Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Times_come_back_as_the_same_instant_in_utc_to_the_millisecond()
    {
        var local = new DateTimeOffset(2025, 6, 1, 12, 30, 45, 123, TimeSpan.FromHours(2)).AddTicks(4567); // 0.4567 ms past
        var dataset = Samples.Dataset(createdAt: local);
        await Store.AddDatasetAsync(dataset, Ct);

        var stored = (await Store.GetDatasetAsync(dataset.Id, Ct))!.CreatedAt;

        stored.Offset.ShouldBe(TimeSpan.Zero);
        stored.ShouldBe(new DateTimeOffset(2025, 6, 1, 10, 30, 45, 123, TimeSpan.Zero));
        (local - stored).ShouldBeLessThan(TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Adding_an_experiment_whose_run_fails_adds_neither()
    {
        var dataset = Samples.Dataset();
        await Store.AddDatasetAsync(dataset, Ct);
        var experiment = Samples.Experiment(dataset.Id);
        var badRun = Samples.Run(experiment.Id).With(datasetVersionHash: "no-such-version"); // violates a foreign key

        await Should.ThrowAsync<Exception>(() => Store.AddExperimentAsync(experiment, badRun, Ct));

        (await Store.GetExperimentAsync(experiment.Id, Ct)).ShouldBeNull();
        (await Store.ListExperimentsAsync(Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Adding_an_experiment_with_another_experiments_run_is_rejected()
    {
        var dataset = Samples.Dataset();
        await Store.AddDatasetAsync(dataset, Ct);
        var experiment = Samples.Experiment(dataset.Id);

        await Should.ThrowAsync<ArgumentException>(() => Store.AddExperimentAsync(experiment, Samples.Run(Guid.NewGuid()), Ct));
        (await Store.GetExperimentAsync(experiment.Id, Ct)).ShouldBeNull();
    }
}
