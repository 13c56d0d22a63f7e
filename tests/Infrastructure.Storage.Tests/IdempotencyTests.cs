namespace AlexNet.Experiments.Infrastructure.Storage.Tests;

public abstract class IdempotencyTests : StorageTest
{
    public sealed class Sqlite : IdempotencyTests
    {
        protected override StorageBackend Backend => StorageBackend.Sqlite;
    }

    public sealed class PostgreSql : IdempotencyTests
    {
        protected override StorageBackend Backend => StorageBackend.PostgreSql;
    }

    [Fact]
    public async Task A_dataset_version_with_a_known_hash_is_left_as_it_is()
    {
        var seeded = await Samples.SeedAsync(Store);

        await Store.AddDatasetVersionAsync(seeded.Version, Ct);
        await Store.AddDatasetVersionAsync(seeded.Version with { TrainCount = 1, ClassNames = ["other"], StorePath = "/elsewhere" }, Ct);

        (await Store.GetDatasetVersionAsync(seeded.Version.ContentHash, Ct)).ShouldHaveSameFields(seeded.Version);
    }

    [Fact]
    public async Task An_identical_hyperparameter_record_again_is_a_no_op()
    {
        var seeded = await Samples.SeedAsync(Store);
        var record = Samples.Record(seeded.Run.Id, seeded.Version.ContentHash);
        await Store.SaveHyperparameterRecordAsync(record, Ct);

        await Store.SaveHyperparameterRecordAsync(record, Ct);
        await Store.SaveHyperparameterRecordAsync(record with { CreatedAt = record.CreatedAt.AddHours(1) }, Ct); // a retried step, later

        (await Store.GetHyperparameterRecordAsync(seeded.Run.Id, Ct)).ShouldBe(record);
    }

    [Fact]
    public async Task A_different_hyperparameter_record_throws_and_leaves_the_stored_one()
    {
        var seeded = await Samples.SeedAsync(Store);
        var record = Samples.Record(seeded.Run.Id, seeded.Version.ContentHash);
        await Store.SaveHyperparameterRecordAsync(record, Ct);

        await Should.ThrowAsync<InvalidOperationException>(() => Store.SaveHyperparameterRecordAsync(record with { Seed = 43 }, Ct));
        await Should.ThrowAsync<InvalidOperationException>(() => Store.SaveHyperparameterRecordAsync(record with { Device = "cuda:0" }, Ct));
        await Should.ThrowAsync<InvalidOperationException>(() => Store.SaveHyperparameterRecordAsync(record with { CanonicalJson = "{}" }, Ct));

        (await Store.GetHyperparameterRecordAsync(seeded.Run.Id, Ct)).ShouldBe(record);
    }

    [Fact]
    public async Task An_epoch_already_recorded_is_left_as_it_is()
    {
        var seeded = await Samples.SeedAsync(Store);
        var metrics = Samples.Metrics(seeded.Run.Id, 1);
        await Store.AddEpochMetricsAsync(metrics, Ct);

        await Store.AddEpochMetricsAsync(metrics, Ct);
        await Store.AddEpochMetricsAsync(metrics with { TrainLoss = 0.1 }, Ct);

        (await Store.GetEpochMetricsAsync(seeded.Run.Id, Ct)).ShouldBe([metrics]);
    }

    [Fact]
    public async Task Step_points_already_recorded_are_left_as_they_are_and_the_new_ones_of_the_same_call_are_added()
    {
        var seeded = await Samples.SeedAsync(Store);
        var epoch1 = Samples.Steps(seeded.Run.Id, 1);
        var epoch2 = Samples.Steps(seeded.Run.Id, 2);
        await Store.AddStepMetricsAsync(epoch1.Take(2).ToList(), Ct);

        // A resumed epoch reports its earlier points again, changed here only to show which copy is kept; duplicates within a call count once.
        await Store.AddStepMetricsAsync([.. epoch1.Select(p => p with { TrainLoss = 0.5 }), .. epoch2, epoch2[0]], Ct);
        await Store.AddStepMetricsAsync([], Ct);

        (await Store.GetStepMetricsAsync(seeded.Run.Id, Ct)).ShouldBe([.. epoch1.Take(2), .. epoch1.Skip(2).Select(p => p with { TrainLoss = 0.5 }), .. epoch2]);
    }

    [Fact]
    public async Task An_evaluation_already_saved_is_left_as_it_is()
    {
        var seeded = await Samples.SeedAsync(Store);
        var evaluation = Samples.Evaluation(seeded.Run.Id);
        await Store.SaveEvaluationAsync(evaluation, Ct);

        await Store.SaveEvaluationAsync(evaluation, Ct);
        await Store.SaveEvaluationAsync(evaluation with { Top1Error = 0, ConfusionMatrix = [[1]] }, Ct);

        (await Store.GetEvaluationAsync(seeded.Run.Id, Ct)).ShouldHaveSameFields(evaluation);
    }

    [Fact]
    public async Task An_artifact_already_recorded_for_the_path_is_left_as_it_is()
    {
        var seeded = await Samples.SeedAsync(Store);
        var artifact = Samples.Artifact(seeded.Run.Id, "/data/runs/x/epoch-0001.ckpt");
        await Store.AddArtifactAsync(artifact, Ct);

        await Store.AddArtifactAsync(artifact, Ct);
        await Store.AddArtifactAsync(artifact with { Sha256 = new string('b', 64) }, Ct);

        (await Store.ListArtifactsAsync(seeded.Run.Id, Ct)).ShouldBe([artifact]);
    }

    [Fact]
    public async Task Concurrent_identical_adds_store_one_row_and_none_fails()
    {
        var seeded = await Samples.SeedAsync(Store);
        var record = Samples.Record(seeded.Run.Id, seeded.Version.ContentHash);
        var metrics = Samples.Metrics(seeded.Run.Id, 1);
        var artifact = Samples.Artifact(seeded.Run.Id, "/data/runs/x/epoch-0001.ckpt");
        var evaluation = Samples.Evaluation(seeded.Run.Id);

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            await Store.SaveHyperparameterRecordAsync(record, Ct);
            await Store.AddEpochMetricsAsync(metrics, Ct);
            await Store.AddStepMetricsAsync(Samples.Steps(seeded.Run.Id, 1), Ct);
            await Store.AddArtifactAsync(artifact, Ct);
            await Store.SaveEvaluationAsync(evaluation, Ct);
            await Store.AddDatasetVersionAsync(seeded.Version, Ct);
        })));

        (await Store.GetEpochMetricsAsync(seeded.Run.Id, Ct)).ShouldBe([metrics]);
        (await Store.GetStepMetricsAsync(seeded.Run.Id, Ct)).ShouldBe(Samples.Steps(seeded.Run.Id, 1));
        (await Store.ListArtifactsAsync(seeded.Run.Id, Ct)).ShouldBe([artifact]);
        (await Store.GetHyperparameterRecordAsync(seeded.Run.Id, Ct)).ShouldBe(record);
    }
}
