using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Tests.Shared;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests;

public abstract class PreprocessShardStoreTests : StorageTest
{
    public sealed class Sqlite : PreprocessShardStoreTests
    {
        protected override StorageBackend Backend => StorageBackend.Sqlite;
    }

    public sealed class PostgreSql : PreprocessShardStoreTests
    {
        protected override StorageBackend Backend => StorageBackend.PostgreSql;
    }

    private const string Hash = "abc123";

    [Fact]
    public async Task The_first_run_to_start_a_version_adds_its_shards_and_a_second_only_waits_for_them()
    {
        var seeded = await Samples.SeedAsync(Store);
        var second = Samples.Run(seeded.Experiment.Id, Samples.T0.AddMinutes(1));
        await Store.AddRunAsync(second, Ct);

        (await Store.StartPreprocessingAsync(seeded.Run.Id, Hash, 3, Ct)).ShouldBeTrue();
        (await Store.StartPreprocessingAsync(second.Id, Hash, 5, Ct)).ShouldBeFalse();
        await Store.SetPreprocessJobAsync(Hash, 1, "job-1", Ct);

        var seen = (await Store.GetPreprocessingAsync(second.Id, Ct)).ShouldNotBeNull();
        seen.ContentHash.ShouldBe(Hash);
        seen.Shards.ShouldBe([new PreprocessShard(0, null, false), new PreprocessShard(1, "job-1", false), new PreprocessShard(2, null, false)]);
        (seen.MergeClaimed, seen.AllShardsDone).ShouldBe((false, false));
        (await Store.ListRunsAwaitingVersionAsync(Hash, Ct)).ShouldBe([seeded.Run.Id, second.Id], ignoreOrder: true);
        (await Store.GetPreprocessingAsync(Guid.NewGuid(), Ct)).ShouldBeNull();

        await Store.DeleteRunAsync(second.Id, Ct);
        (await Store.ListRunsAwaitingVersionAsync(Hash, Ct)).ShouldBe([seeded.Run.Id]);
    }

    [Fact]
    public async Task Of_shards_finishing_at_once_exactly_one_claims_the_merge_and_only_after_the_last()
    {
        var seeded = await Samples.SeedAsync(Store);
        const int Shards = 8;
        await Store.StartPreprocessingAsync(seeded.Run.Id, Hash, Shards, Ct);
        (await Store.TryClaimPreprocessMergeAsync(Hash, Ct)).ShouldBeFalse();

        // Like the shard jobs: complete, then try to claim, all at once.
        var claims = await Task.WhenAll(Enumerable.Range(0, Shards).Select(shard => Task.Run(async () =>
        {
            await Store.CompletePreprocessShardAsync(Hash, shard, Ct);
            return await Store.TryClaimPreprocessMergeAsync(Hash, Ct);
        })));

        claims.Count(c => c).ShouldBe(1);
        (await Store.TryClaimPreprocessMergeAsync(Hash, Ct)).ShouldBeFalse();
        await Store.SetPreprocessJobAsync(Hash, VersionPreprocessing.Merge, "merge-job", Ct);
        var state = (await Store.GetPreprocessingAsync(seeded.Run.Id, Ct)).ShouldNotBeNull();
        (state.AllShardsDone, state.MergeClaimed, state.MergeJobId, state.Shards.Count).ShouldBe((true, true, "merge-job", Shards));
    }

    [Fact]
    public async Task Deleting_a_dataset_forgets_the_shards_of_its_versions()
    {
        var dataset = Samples.Dataset();
        await Store.AddDatasetAsync(dataset, Ct);
        var version = Samples.Version(dataset.Id, contentHash: Hash);
        await Store.AddDatasetVersionAsync(version, Ct);
        var waiting = Guid.NewGuid();
        await Store.StartPreprocessingAsync(waiting, Hash, 2, Ct);
        await Store.StartPreprocessingAsync(waiting, "other", 1, Ct);

        (await Store.TryDeleteDatasetAsync(dataset.Id, Ct))!.ForgottenVersions.ShouldBe([Hash]);

        (await Store.StartPreprocessingAsync(Guid.NewGuid(), Hash, 4, Ct)).ShouldBeTrue("planned afresh");
        (await Store.StartPreprocessingAsync(Guid.NewGuid(), "other", 1, Ct)).ShouldBeFalse("another version's shards stay");
    }

    [Fact]
    public async Task A_deleted_dataset_s_version_that_another_dataset_s_run_trained_on_passes_to_that_dataset()
    {
        var seeded = await Samples.SeedAsync(Store);
        await Store.DeleteRunAsync(seeded.Run.Id, Ct);
        await Store.DeleteExperimentAsync(seeded.Experiment.Id, Ct);
        // The same content registered from another folder: its run trains on the version the first dataset preprocessed.
        var copy = Samples.Dataset(name: "copy") with { SourcePath = "/data/copy" };
        await Store.AddDatasetAsync(copy, Ct);
        var experiment = Samples.Experiment(copy.Id);
        var run = Samples.Run(experiment.Id).With(status: RunStatus.Training, datasetVersionHash: seeded.Version.ContentHash);
        await Store.AddExperimentAsync(experiment, run, Ct);

        (await Store.TryDeleteDatasetAsync(seeded.Dataset.Id, Ct))!.ForgottenVersions.ShouldBeEmpty();
        (await Store.ListDatasetVersionsAsync(copy.Id, Ct)).Select(v => v.ContentHash).ShouldBe([seeded.Version.ContentHash]);

        await Store.DeleteRunAsync(run.Id, Ct);
        await Store.DeleteExperimentAsync(experiment.Id, Ct);
        (await Store.TryDeleteDatasetAsync(copy.Id, Ct))!.ForgottenVersions.ShouldBe([seeded.Version.ContentHash]);
        (await Store.GetDatasetVersionAsync(seeded.Version.ContentHash, Ct)).ShouldBeNull();
    }
}
