using AlexNet.Experiments.Tests.Shared;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Studies;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests;

public sealed class RegistrationTests
{
    [Fact]
    public async Task Services_are_singletons_rooted_at_the_data_folder()
    {
        await using var storage = await TestStorage.CreateAsync(migrate: false);
        var provider = storage.Provider;

        storage.Options.DataDirectory.ShouldBe(storage.DataDirectory);
        storage.Options.ResultsDatabasePath.ShouldBe(Path.Combine(storage.DataDirectory, "results.db"));
        var store = provider.GetRequiredService<ResultsStore>();
        store.ShouldBeSameAs(provider.GetRequiredService<ResultsStore>());
        object[] ports =
        [
            provider.GetRequiredService<IDatasetStore>(), provider.GetRequiredService<IPreprocessingCoordination>(),
            provider.GetRequiredService<IExperimentStore>(), provider.GetRequiredService<IRunStore>(), provider.GetRequiredService<IRunProgressStore>(),
            provider.GetRequiredService<IRunMetricsStore>(), provider.GetRequiredService<IArtifactIndex>(), provider.GetRequiredService<IStudyStore>(),
        ];
        ports.ShouldAllBe(port => ReferenceEquals(port, store));
        provider.GetRequiredService<IArtifactStore>().ShouldBeOfType<FileArtifactStore>().DataDirectory.ShouldBe(storage.DataDirectory);
        provider.GetRequiredService<IArtifactStore>().ShouldBeSameAs(provider.GetRequiredService<IArtifactStore>());
    }

    [Theory]
    [InlineData(StorageBackend.Sqlite)]
    [InlineData(StorageBackend.PostgreSql)]
    public async Task Everything_stored_is_there_after_reopening_the_database(StorageBackend backend)
    {
        await using var storage = await TestStorage.CreateAsync(backend: backend);
        var seeded = await Samples.SeedAsync(storage.Store);
        var store = storage.Store;
        var running = seeded.Run.With(status: RunStatus.Training, datasetVersionHash: seeded.Version.ContentHash, epochsCompleted: 1, currentJobId: "3");
        await store.MoveAsync(running);
        await store.SetRunJobAsync(running.Id, "3", CancellationToken.None);
        var record = Samples.Record(seeded.Run.Id, seeded.Version.ContentHash);
        await store.SaveHyperparameterRecordAsync(record, CancellationToken.None);
        var metrics = Samples.Metrics(seeded.Run.Id, 1);
        await store.AddEpochMetricsAsync(metrics, CancellationToken.None);
        var evaluation = Samples.Evaluation(seeded.Run.Id);
        await store.SaveEvaluationAsync(evaluation, CancellationToken.None);
        var artifact = Samples.Artifact(seeded.Run.Id, Path.Combine(storage.Artifacts.GetRunDirectory(seeded.Run.Id), "epoch-0001.ckpt"));
        await store.AddArtifactAsync(artifact, CancellationToken.None);

        await storage.ReopenAsync();
        var reopened = storage.Store;
        reopened.ShouldNotBeSameAs(store);

        (await reopened.ListDatasetsAsync(CancellationToken.None)).ShouldBe([seeded.Dataset]);
        (await reopened.GetDatasetVersionAsync(seeded.Version.ContentHash, CancellationToken.None)).ShouldHaveSameFields(seeded.Version);
        (await reopened.ListExperimentsAsync(CancellationToken.None)).ShouldBe([new ExperimentSummary(seeded.Experiment, seeded.Run.Id, RunStatus.Training)]);
        (await reopened.GetRunAsync(seeded.Run.Id, CancellationToken.None)).ShouldBe(running);
        (await reopened.GetHyperparameterRecordAsync(seeded.Run.Id, CancellationToken.None)).ShouldBe(record);
        (await reopened.GetEpochMetricsAsync(seeded.Run.Id, CancellationToken.None)).ShouldBe([metrics]);
        (await reopened.GetEvaluationAsync(seeded.Run.Id, CancellationToken.None)).ShouldHaveSameFields(evaluation);
        (await reopened.ListArtifactsAsync(seeded.Run.Id, CancellationToken.None)).ShouldBe([artifact]);
        Directory.Exists(storage.Artifacts.GetRunDirectory(seeded.Run.Id)).ShouldBeTrue();
    }
}
