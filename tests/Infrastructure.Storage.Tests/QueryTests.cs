using AlexNet.Experiments.Tests.Shared;
using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests;

public abstract class QueryTests : StorageTest
{
    public sealed class Sqlite : QueryTests
    {
        protected override StorageBackend Backend => StorageBackend.Sqlite;
    }

    public sealed class PostgreSql : QueryTests
    {
        protected override StorageBackend Backend => StorageBackend.PostgreSql;
    }

    [Fact]
    public async Task Experiments_are_listed_newest_first_with_their_latest_run()
    {
        var dataset = Samples.Dataset();
        await Store.AddDatasetAsync(dataset, Ct);
        var middle = await AddExperimentAsync(dataset.Id, Samples.T0.AddDays(2), "middle");
        var oldest = await AddExperimentAsync(dataset.Id, Samples.T0.AddDays(1), "oldest");
        var newest = await AddExperimentAsync(dataset.Id, Samples.T0.AddDays(3), "newest");

        // The middle experiment gets two later runs, stored out of order; the latest is the most recently created.
        var latest = Samples.Run(middle.Experiment.Id, Samples.T0.AddDays(5), RunStatus.Training);
        var between = Samples.Run(middle.Experiment.Id, Samples.T0.AddDays(4), RunStatus.Failed);
        await AddRunAsync(latest);
        await AddRunAsync(between);
        await Store.MoveAsync(newest.Run.With(status: RunStatus.Succeeded));

        var summaries = await Store.ListExperimentsAsync(Ct);

        summaries.Select(s => s.Experiment).ShouldBe([newest.Experiment, middle.Experiment, oldest.Experiment]);
        summaries.Select(s => (s.LatestRunId, s.LatestRunStatus)).ShouldBe(
        [
            (newest.Run.Id, RunStatus.Succeeded),
            (latest.Id, RunStatus.Training),
            (oldest.Run.Id, RunStatus.Queued),
        ]);
        (await Store.ListRunsAsync(middle.Experiment.Id, Ct)).ShouldBe([middle.Run, between, latest]);
    }

    [Fact]
    public async Task Datasets_are_listed_newest_first()
    {
        var older = Samples.Dataset(Samples.T0, "older");
        var newer = Samples.Dataset(Samples.T0.AddMilliseconds(1), "newer");
        await Store.AddDatasetAsync(older, Ct);
        await Store.AddDatasetAsync(newer, Ct);

        (await Store.ListDatasetsAsync(Ct)).ShouldBe([newer, older]);
    }

    [Fact]
    public async Task Unfinished_runs_are_those_neither_succeeded_nor_failed_oldest_first()
    {
        var dataset = Samples.Dataset();
        await Store.AddDatasetAsync(dataset, Ct);
        var experiment = await AddExperimentAsync(dataset.Id, Samples.T0, "all statuses");
        var runs = Enum.GetValues<RunStatus>()
            .Select((status, i) => Samples.Run(experiment.Experiment.Id, Samples.T0.AddMinutes(10 - i), status))
            .ToList();
        foreach (var run in runs)
        {
            await AddRunAsync(run);
        }

        await Store.MoveAsync(experiment.Run.With(status: RunStatus.Succeeded));

        var unfinished = await Store.ListUnfinishedRunsAsync(Ct);

        unfinished.Select(r => r.Status).ShouldBe([RunStatus.Evaluating, RunStatus.Training, RunStatus.Preprocessing, RunStatus.Queued]);
        unfinished.ShouldBe(runs.Where(r => !r.IsFinished).OrderBy(r => r.CreatedAt));
    }

    private async Task<(Experiment Experiment, Run Run)> AddExperimentAsync(Guid datasetId, DateTimeOffset createdAt, string name)
    {
        var experiment = Samples.Experiment(datasetId, createdAt, name);
        var run = Samples.Run(experiment.Id, createdAt);
        await Store.AddExperimentAsync(experiment, run, Ct);
        return (experiment, run);
    }

    private async Task AddRunAsync(Run run)
    {
        await using var db = Storage.CreateContext();
        db.Runs.Add(RunRow.From(run));
        await db.SaveChangesAsync();
    }
}
