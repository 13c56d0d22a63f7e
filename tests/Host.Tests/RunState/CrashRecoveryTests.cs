using System.Text.Json.Nodes;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Torch.Data;
using Microsoft.Data.Sqlite;

namespace AlexNet.Experiments.Host.Tests.RunState;

/// <summary>
/// One uninterrupted run of the real host, as a child process: the reference every interrupted run must match bit for bit.
/// Training steps are a fraction of a second here, so an epoch is split over several jobs and a kill lands inside one.
/// </summary>
public sealed class ReferenceRun : IAsyncLifetime
{
    public const string Hyperparameters = """
        { "epochs": 2, "batchSize": 16, "model": { "widthMultiplier": 0.125 }, "data": { "imageSize": 72 } }
        """;

    public static readonly string[] Settings = ["--AlexNet:TrainingStepMinutes=0.003"];

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "alexnet-crash-tests", Guid.NewGuid().ToString("N"));

    public string Source => Path.Combine(Root, "source");

    public IReadOnlyList<string> Metrics { get; private set; } = [];

    public IReadOnlyList<string> Checkpoints { get; private set; } = [];

    public string Evaluation { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // Enough validation images that ten-crop evaluation lasts long enough to be killed in.
        await new SyntheticDatasetGenerator().GenerateAsync(
            new SyntheticDatasetSpec(Classes: 3, TrainPerClass: 40, ValidationPerClass: 100, ImageSize: 80, Seed: 5), Source, CancellationToken.None);
        await using var host = await ChildHost.StartAsync(Path.Combine(Root, "reference"), Settings);
        var runId = await SubmitAsync(host.Client, Source);
        var run = await host.Client.WaitForRunAsync(runId, TimeSpan.FromMinutes(2));
        run["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded", host.Log);
        (Metrics, Checkpoints, Evaluation) = await ResultsAsync(host.Client, runId);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }

    public static async Task<string> SubmitAsync(HttpClient client, string source)
    {
        var (_, dataset) = await client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{source}}" }""");
        var (_, submitted) = await client.PostAsync("/api/experiments",
            $$"""{ "name": "crash", "datasetId": "{{dataset!["id"]}}", "preset": "quickstart", "hyperparameters": {{Hyperparameters}} }""");
        return submitted!["runId"]!.GetValue<string>();
    }

    /// <summary>Everything that must be identical between runs: metrics but throughput and time, checkpoint hashes by epoch, evaluation.</summary>
    public static async Task<(IReadOnlyList<string> Metrics, IReadOnlyList<string> Checkpoints, string Evaluation)> ResultsAsync(HttpClient client, string runId)
    {
        var metrics = (await client.GetJsonAsync($"/api/runs/{runId}/metrics")).AsArray()
            .Select(m =>
            {
                var copy = m!.DeepClone().AsObject();
                copy.Remove("imagesPerSecond");
                copy.Remove("recordedAt");
                copy.Remove("runId");
                return copy.ToJsonString();
            })
            .ToList();
        var run = await client.GetJsonAsync($"/api/runs/{runId}");
        var checkpoints = run["artifacts"]!.AsArray().Select(a => $"{a!["epoch"]} {a["sha256"]}").Order().ToList();
        var evaluation = run["evaluation"]!;
        return (metrics, checkpoints, $"{evaluation["loss"]} {evaluation["top1Error"]} {evaluation["top5Error"]} {evaluation["confusionMatrix"]!.ToJsonString()}");
    }
}

/// <summary>
/// A crash costs seconds: the real host is killed (SIGKILL) while it preprocesses, trains and evaluates, or stopped (SIGTERM)
/// while it trains, and started again on the same folder. The run resumes within 60 s and ends bit-identical to the reference,
/// with no duplicate rows.
/// </summary>
public sealed class CrashRecoveryTests(ReferenceRun reference) : IClassFixture<ReferenceRun>
{
    private static readonly TimeSpan Resume = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_run_killed_while_preprocessing_training_and_evaluating_resumes_each_time_and_ends_bit_identical()
    {
        var data = Path.Combine(reference.Root, "killed");
        string runId;
        await using (var first = await ChildHost.StartAsync(data, ReferenceRun.Settings))
        {
            runId = await ReferenceRun.SubmitAsync(first.Client, reference.Source);
            // The preprocessing job is writing its temporary store.
            var datasets = Path.Combine(data, "datasets");
            await first.WaitForLogAsync("never logged", TimeSpan.FromSeconds(60),
                () => Directory.Exists(datasets) && Directory.EnumerateDirectories(datasets, ".tmp-*").Any());
            first.Kill();
        }

        await KilledDuringAsync(data, runId, $"Preprocess of run {runId} started", $"TrainEpoch 2 of run {runId} started");
        await KilledDuringAsync(data, runId, $"TrainEpoch 2 of run {runId} started", $"Evaluate of run {runId} started");
        await KilledDuringAsync(data, runId, $"Evaluate of run {runId} started", killOn: null);

        await using (var last = await ChildHost.StartAsync(data, ReferenceRun.Settings))
        {
            await AssertFinishedAsIdenticalAsync(last, runId);
        }

        AssertNoDuplicateRows(data, runId);
    }

    [Fact]
    public async Task SIGTERM_saves_the_training_step_at_a_batch_boundary_exits_promptly_and_the_run_resumes_on_restart()
    {
        var data = Path.Combine(reference.Root, "terminated");
        string runId;
        await using (var first = await ChildHost.StartAsync(data)) // the default 20-minute step: only the stop request can split the epoch
        {
            runId = await ReferenceRun.SubmitAsync(first.Client, reference.Source);
            await first.WaitForLogAsync($"TrainEpoch 1 of run {runId} started", TimeSpan.FromSeconds(60));
            first.Terminate();
            (await first.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBeLessThan(TimeSpan.FromSeconds(30));
            first.Log.ShouldContain("because it was asked to stop");
        }

        File.Exists(Path.Combine(data, "runs", runId, "epoch-001.partial.ckpt")).ShouldBeTrue("the epoch's state was saved");
        Query(data, $"SELECT Status FROM Runs WHERE Id = '{runId.ToUpperInvariant()}'").ShouldBe(["Training"], "a stop is not a failure");

        await using (var second = await ChildHost.StartAsync(data))
        {
            (await second.WaitForLogAsync($"TrainEpoch 1 of run {runId} started", Resume) - second.StartedAt).ShouldBeLessThan(Resume);
            await AssertFinishedAsIdenticalAsync(second, runId);
        }

        AssertNoDuplicateRows(data, runId);
    }

    /// <summary>Restarts after a kill: the interrupted step starts again within 60 s; then kills again once <paramref name="killOn"/> is logged.</summary>
    private static async Task KilledDuringAsync(string data, string runId, string resumedStep, string? killOn)
    {
        await using var host = await ChildHost.StartAsync(data, ReferenceRun.Settings);
        (await host.WaitForLogAsync(resumedStep, Resume) - host.StartedAt).ShouldBeLessThan(Resume);
        await host.WaitForLogAsync(killOn ?? resumedStep, TimeSpan.FromSeconds(90));
        host.Kill();
        var status = Query(data, $"SELECT Status FROM Runs WHERE Id = '{runId.ToUpperInvariant()}'").Single();
        status.ShouldNotBe("Succeeded", $"the kill came too late to interrupt anything:\n{host.Log}");
    }

    private async Task AssertFinishedAsIdenticalAsync(ChildHost host, string runId)
    {
        var run = await host.Client.WaitForRunAsync(runId, TimeSpan.FromMinutes(2));
        run["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded", host.Log);
        var (metrics, checkpoints, evaluation) = await ReferenceRun.ResultsAsync(host.Client, runId);
        metrics.ShouldBe(reference.Metrics);
        checkpoints.ShouldBe(reference.Checkpoints);
        evaluation.ShouldBe(reference.Evaluation);
    }

    private static void AssertNoDuplicateRows(string data, string runId)
    {
        var id = runId.ToUpperInvariant();
        Query(data, $"""
            SELECT (SELECT COUNT(*) FROM Runs) || ' ' || (SELECT COUNT(*) FROM EpochMetrics WHERE RunId = '{id}') || ' ' ||
                   (SELECT COUNT(*) FROM Artifacts WHERE RunId = '{id}') || ' ' || (SELECT COUNT(*) FROM EvaluationResults WHERE RunId = '{id}') || ' ' ||
                   (SELECT COUNT(*) FROM HyperparameterRecords WHERE RunId = '{id}') || ' ' || (SELECT COUNT(*) FROM DatasetVersions)
            """).ShouldBe(["1 2 2 1 1 1"]);
    }

    private static List<string> Query(string data, string sql)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(data, "results.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetValue(0).ToString()!);
        }

        return rows;
    }
}
