using AlexNet.Experiments.Tests.Shared;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Studies;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests;

public abstract class StudyStoreTests : StorageTest
{
    public sealed class Sqlite : StudyStoreTests
    {
        protected override StorageBackend Backend => StorageBackend.Sqlite;
    }

    public sealed class PostgreSql : StudyStoreTests
    {
        protected override StorageBackend Backend => StorageBackend.PostgreSql;
    }

    private IStudyStore Studies => Storage.Provider.GetRequiredService<IStudyStore>();

    [Fact]
    public async Task A_study_is_stored_with_its_runs_tags_and_links_and_keeps_a_link_whose_run_was_deleted()
    {
        var dataset = Samples.Dataset();
        await Store.AddDatasetAsync(dataset, Ct);
        var experiment = Samples.Experiment(dataset.Id);
        var study = new Study(Guid.NewGuid(), "grid", dataset.Id, "quickstart", experiment.Id, """{"grid":{},"seeds":[1,2]}""", Samples.T0);
        var runs = new[] { (Cell: 1, Seed: 2), (Cell: 0, Seed: 2), (Cell: 0, Seed: 1) }
            .Select(c => Samples.Run(experiment.Id, Samples.T0).With(id: Guid.NewGuid()) is var run
                ? (run, new StudyRun(study.Id, run.Id, c.Cell, $$"""{"model.dropout":{{c.Cell}}}""", c.Seed))
                : default)
            .ToList();

        await Studies.AddStudyAsync(study, experiment, runs, Ct);

        (await Studies.GetStudyAsync(study.Id, Ct)).ShouldBe(study);
        (await Studies.ListStudiesAsync(Ct)).ShouldBe([study]);
        var links = await Studies.ListStudyRunsAsync(study.Id, Ct);
        links.Select(l => (l.Cell, l.Seed)).ShouldBe([(0, 1), (0, 2), (1, 2)]);
        (await Store.GetExperimentAsync(experiment.Id, Ct)).ShouldBe(experiment);
        var tagged = await Store.SearchRunsAsync(new RunSearch { Tags = [study.RunTag] }, Ct);
        tagged.Total.ShouldBe(3);

        var finished = runs[0].run.With(status: RunStatus.Succeeded);
        await Store.TryAdvanceRunAsync(runs[0].run, finished, Ct);
        await Store.DeleteRunAsync(finished.Id, Ct);

        (await Studies.ListStudyRunsAsync(study.Id, Ct)).Count.ShouldBe(3, "the study keeps the row; the run is gone");
        (await Store.GetRunAsync(finished.Id, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task An_epochs_training_seconds_round_trip_and_are_null_when_unmeasured()
    {
        var seeded = await Samples.SeedAsync(Store);
        await Store.AddEpochMetricsAsync(Samples.Metrics(seeded.Run.Id, 1) with { TrainSeconds = 12.5 }, Ct);
        await Store.AddEpochMetricsAsync(Samples.Metrics(seeded.Run.Id, 2), Ct);

        var metrics = await Store.GetEpochMetricsAsync(seeded.Run.Id, Ct);

        metrics.Select(m => m.TrainSeconds).ShouldBe([12.5, null]);
    }
}
