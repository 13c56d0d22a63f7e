using AlexNet.Experiments.Tests.Shared;
using System.Globalization;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests;

/// <summary>Run search on a database of many runs, on each backend: the filtering, ordering and paging happen in SQL.</summary>
public abstract class SearchTests(SearchTests.ManyRuns many)
{
    private const int RunCount = 60;

    public sealed class Sqlite(SqliteRuns runs) : SearchTests(runs), IClassFixture<SqliteRuns>;

    public sealed class PostgreSql(PostgreSqlRuns runs) : SearchTests(runs), IClassFixture<PostgreSqlRuns>;

    public sealed class SqliteRuns() : ManyRuns(StorageBackend.Sqlite);

    public sealed class PostgreSqlRuns() : ManyRuns(StorageBackend.PostgreSql);

    public sealed record Generated(Run Run, bool Lrn, double LearningRate, string Activation, double? FinalTop1, Guid DatasetId);

    /// <summary>One database of many runs for the whole class; only the last test changes a few runs' status and tags.</summary>
    public abstract class ManyRuns(StorageBackend backend) : IAsyncLifetime
    {
        public StorageBackend Backend => backend;

        internal List<Generated> Runs { get; private set; } = null!;

        internal TestStorage Storage { get; private set; } = null!;

        internal ResultsStore Store => Storage.Store;

        public async Task InitializeAsync()
        {
            Storage = await TestStorage.CreateAsync(backend: backend);
            Runs = await SeedManyAsync(Store);
        }

        public async Task DisposeAsync() => await Storage.DisposeAsync();
    }

    private static CancellationToken Ct => CancellationToken.None;

    private TestStorage Storage => many.Storage;

    private ResultsStore Store => many.Store;

    private static async Task<List<Generated>> SeedManyAsync(ResultsStore Store)
    {
        var generated = new List<Generated>();
        var datasets = new[] { Samples.Dataset(name: "a"), Samples.Dataset(name: "b") };
        var experiments = new List<Experiment>();
        foreach (var dataset in datasets)
        {
            await Store.AddDatasetAsync(dataset, Ct);
        }

        for (int i = 0; i < RunCount; i++)
        {
            bool lrn = i % 2 == 0;
            double learningRate = new[] { 0.0001, 0.001, 0.01 }[i % 3];
            string activation = i % 4 == 0 ? "Tanh" : "ReLU";
            var json = string.Create(CultureInfo.InvariantCulture,
                $$$"""{"epochs":2,"model":{"activation":"{{{activation}}}","lrn":{"enabled":{{{(lrn ? "true" : "false")}}}}},"optimizer":{"learningRate":{{{learningRate}}}}}""");
            var dataset = datasets[i % 2];
            var run = Samples.Run(Guid.Empty, Samples.T0.AddSeconds(i)).With(hyperparameters: AlexNet.Experiments.Application.Common.HyperparameterJson.FromJson(json));
            if (i < 2)
            {
                var experiment = Samples.Experiment(dataset.Id, name: $"study {i}");
                experiments.Add(experiment);
                run = run.With(experimentId: experiment.Id);
                await Store.AddExperimentAsync(experiment, run, Ct);
            }
            else
            {
                run = run.With(experimentId: experiments[i % 2].Id);
                await Store.AddRunAsync(run, Ct);
            }

            double? finalTop1 = i % 5 == 0 ? null : i / 1000.0;
            if (finalTop1 is { } top1)
            {
                // Epoch 1 is worse than every final figure: a search must read the last epoch, not any epoch.
                await Store.AddEpochMetricsAsync(Samples.Metrics(run.Id, 1) with { ValidationTop1Error = 0.9 }, Ct);
                await Store.AddEpochMetricsAsync(Samples.Metrics(run.Id, 2) with { ValidationTop1Error = top1 }, Ct);
            }

            generated.Add(new Generated(run, lrn, learningRate, activation, finalTop1, dataset.Id));
        }

        return generated;
    }

    [Fact]
    public async Task Hyperparameter_and_metric_conditions_order_and_page_in_sql()
    {
        var runs = many.Runs;
        var search = new RunSearch
        {
            Hyperparameters =
            [
                new HyperparameterCondition("$.model.lrn.enabled", Comparison.Equal, 0, null),
                new HyperparameterCondition("$.optimizer.learningRate", Comparison.GreaterOrEqual, 0.001, null),
                new HyperparameterCondition("$.model.activation", Comparison.NotEqual, null, "Tanh"),
            ],
            Metrics = [new MetricCondition(RunField.ValidationTop1Error, Comparison.Less, 0.1)],
            OrderBy = RunField.ValidationTop1Error,
            Descending = true,
            Offset = 2,
            Limit = 5,
        };
        var expected = runs
            .Where(r => !r.Lrn && r.LearningRate >= 0.001 && r.Activation != "Tanh" && r.FinalTop1 < 0.1)
            .OrderByDescending(r => r.FinalTop1)
            .ToList();

        var commands = new List<string>();
        var page = await CapturingStore(commands).SearchRunsAsync(search, Ct);

        expected.Count.ShouldBeGreaterThan(7);
        page.Total.ShouldBe(expected.Count);
        page.Runs.Select(r => r.Run.Id).ShouldBe(expected.Skip(2).Take(5).Select(r => r.Run.Id));
        page.Runs.Select(r => r.Metrics.ValidationTop1Error).ShouldBe(expected.Skip(2).Take(5).Select(r => r.FinalTop1));
        page.Runs.ShouldAllBe(r => r.Metrics.Epoch == 2);

        var select = commands.Where(c => c.Contains("OFFSET")).ShouldHaveSingleItem();
        var function = many.Backend == StorageBackend.PostgreSql ? PostgresResultsDbContext.JsonNumberFunction : "json_extract";
        select.Replace("\"r\".", "r.").ShouldContain($"{function}(r.\"HyperparametersJson\", @path"); // Npgsql leaves the alias unquoted
        select.ShouldContain("LIMIT 1) < @value");
        commands.ShouldContain(c => c.Contains("COUNT(*)", StringComparison.OrdinalIgnoreCase) && c.Contains(function + "("));
    }

    [Fact]
    public async Task Runs_without_the_figure_sort_last_and_never_match_a_threshold()
    {
        var runs = many.Runs;

        var ascending = await Store.SearchRunsAsync(new RunSearch { OrderBy = RunField.ValidationTop1Error, Descending = false, Limit = RunCount }, Ct);
        var withFigure = runs.Count(r => r.FinalTop1 is not null);
        ascending.Runs.Take(withFigure).ShouldAllBe(r => r.Metrics.ValidationTop1Error != null);
        ascending.Runs.Skip(withFigure).ShouldAllBe(r => r.Metrics.ValidationTop1Error == null);
        ascending.Runs.Take(withFigure).Select(r => r.Metrics.ValidationTop1Error).ShouldBeInOrder(SortDirection.Ascending);

        var unequal = await Store.SearchRunsAsync(new RunSearch { Metrics = [new MetricCondition(RunField.ValidationTop1Error, Comparison.NotEqual, 0.001)] }, Ct);
        unequal.Total.ShouldBe(withFigure - 1);
    }

    [Fact]
    public async Task Status_dataset_ids_tags_and_text_narrow_the_search()
    {
        var runs = many.Runs;
        var datasetB = runs[1].DatasetId;
        var (first, second) = (runs[3].Run, runs[7].Run);
        (await Store.TryAdvanceRunAsync(first, first.With(status: RunStatus.Cancelled), Ct)).ShouldBeTrue();
        (await Store.AnnotateRunAsync(first.Id, ["ablation", "lrn"], "LRN off, as in section 3.3", Ct)).ShouldBeTrue();
        (await Store.AnnotateRunAsync(second.Id, ["ablation"], null, Ct)).ShouldBeTrue();
        (await Store.AnnotateRunAsync(Guid.NewGuid(), ["x"], null, Ct)).ShouldBeFalse();

        (await Store.SearchRunsAsync(new RunSearch { DatasetId = datasetB }, Ct)).Total.ShouldBe(RunCount / 2);
        (await Store.SearchRunsAsync(new RunSearch { Statuses = [RunStatus.Cancelled] }, Ct)).Runs.ShouldHaveSingleItem().Run.Id.ShouldBe(first.Id);
        (await Store.SearchRunsAsync(new RunSearch { Tags = ["ablation"] }, Ct)).Total.ShouldBe(2);
        var tagged = (await Store.SearchRunsAsync(new RunSearch { Tags = ["ablation", "lrn"] }, Ct)).Runs.ShouldHaveSingleItem();
        tagged.Tags.ShouldBe(["ablation", "lrn"]);
        tagged.Note.ShouldBe("LRN off, as in section 3.3");
        (await Store.SearchRunsAsync(new RunSearch { Text = "section 3.3" }, Ct)).Runs.ShouldHaveSingleItem().Run.Id.ShouldBe(first.Id);
        (await Store.SearchRunsAsync(new RunSearch { Text = "STUDY 1" }, Ct)).Total.ShouldBe(RunCount / 2); // the experiment's name
        (await Store.SearchRunsAsync(new RunSearch { Text = "100%" }, Ct)).Total.ShouldBe(0);
        (await Store.SearchRunsAsync(new RunSearch { RunIds = [second.Id, first.Id] }, Ct)).Total.ShouldBe(2);
    }

    [Fact]
    public async Task Ids_are_stored_as_the_api_prints_them()
    {
        await using var own = await TestStorage.CreateAsync(backend: many.Backend);
        var seeded = await Samples.SeedAsync(own.Store);
        await using var connection = own.OpenAnyRawConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM \"Runs\" WHERE \"Id\" = '{seeded.Run.Id}' AND \"ExperimentId\" = '{seeded.Experiment.Id}'";
        Convert.ToInt64(await command.ExecuteScalarAsync()).ShouldBe(1);
        (await own.Store.GetRunAsync(seeded.Run.Id, Ct)).ShouldNotBeNull();
    }

    [Fact]
    public async Task Deleting_a_run_removes_its_rows_and_a_dataset_in_use_is_kept()
    {
        await using var own = await TestStorage.CreateAsync(backend: many.Backend);
        var store = own.Store;
        var seeded = await Samples.SeedAsync(store);
        var runId = seeded.Run.Id;
        await store.AddEpochMetricsAsync(Samples.Metrics(runId, 1), Ct);
        await store.AddStepMetricsAsync(Samples.Steps(runId, 1), Ct);
        await store.AddArtifactAsync(Samples.Artifact(runId, "/x/epoch-001.pt"), Ct);
        await store.AnnotateRunAsync(runId, ["t"], "n", Ct);

        (await store.TryDeleteDatasetAsync(seeded.Dataset.Id, Ct)).ShouldBeNull();
        await store.DeleteRunAsync(runId, Ct);
        await store.DeleteExperimentAsync(seeded.Experiment.Id, Ct);
        (await store.TryDeleteDatasetAsync(seeded.Dataset.Id, Ct)).ShouldNotBeNull();

        (await store.GetRunAsync(runId, Ct)).ShouldBeNull();
        (await store.GetEpochMetricsAsync(runId, Ct)).ShouldBeEmpty();
        (await store.GetStepMetricsAsync(runId, Ct)).ShouldBeEmpty();
        (await store.ListArtifactsAsync(runId, Ct)).ShouldBeEmpty();
        (await store.GetDatasetAsync(seeded.Dataset.Id, Ct)).ShouldBeNull();
    }

    /// <summary>The same store on the same file, with an interceptor that records every command's SQL.</summary>
    private ResultsStore CapturingStore(List<string> commands)
    {
        if (many.Backend == StorageBackend.PostgreSql)
        {
            var postgres = new DbContextOptionsBuilder<PostgresResultsDbContext>();
            StorageRegistration.ConfigurePostgreSql(postgres, Storage.Options.ResultsConnectionString);
            postgres.AddInterceptors(new Capture(commands));
            return new ResultsStore(new ContextFactory(() => new PostgresResultsDbContext(postgres.Options)), new ArtifactPaths(Storage.Options.ArtifactDirectory));
        }

        var builder = new DbContextOptionsBuilder<ResultsDbContext>();
        StorageRegistration.Configure(builder, Storage.Options.ResultsConnectionString);
        builder.AddInterceptors(new Capture(commands));
        return new ResultsStore(new ContextFactory(() => new ResultsDbContext(builder.Options)), new ArtifactPaths(Storage.Options.ArtifactDirectory));
    }

    private sealed class ContextFactory(Func<ResultsDbContext> create) : IDbContextFactory<ResultsDbContext>
    {
        public ResultsDbContext CreateDbContext() => create();
    }

    private sealed class Capture(List<string> commands) : DbCommandInterceptor
    {
        public override ValueTask<InterceptionResult<System.Data.Common.DbDataReader>> ReaderExecutingAsync(
            System.Data.Common.DbCommand command, CommandEventData eventData, InterceptionResult<System.Data.Common.DbDataReader> result,
            CancellationToken cancellationToken = default)
        {
            commands.Add(command.CommandText);
            return ValueTask.FromResult(result);
        }

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
            System.Data.Common.DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
        {
            commands.Add(command.CommandText);
            return ValueTask.FromResult(result);
        }
    }
}
