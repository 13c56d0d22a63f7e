using System.Text.Json.Nodes;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Tests.Shared;
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

    public IReadOnlyList<string> Steps { get; private set; } = [];

    public IReadOnlyList<string> Checkpoints { get; private set; } = [];

    public string Evaluation { get; private set; } = "";

    /// <summary>The reference runs alongside the interrupted run (process start-up dominates both); await before comparing.</summary>
    public Task Finished { get; private set; } = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        // Enough training images that an epoch outlasts the delivery of SIGTERM on an idle machine (a few seconds, not a
        // fraction of one), and enough validation images that ten-crop evaluation lasts long enough to be killed in.
        await new SyntheticDatasetGenerator().GenerateAsync(
            new SyntheticDatasetSpec(Classes: 3, TrainPerClass: 500, ValidationPerClass: 100, ImageSize: 80, Seed: 5), Source, CancellationToken.None);
        Finished = RunAsync();
    }

    private async Task RunAsync()
    {
        await using var host = await ChildHost.StartAsync(Path.Combine(Root, "reference"), Settings);
        var runId = await SubmitAsync(host.Client, Source);
        var run = await host.Client.WaitForRunAsync(runId, TimeSpan.FromMinutes(4));
        run["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded", host.Log);
        (Metrics, Steps, Checkpoints, Evaluation) = await ResultsAsync(host.Client, runId);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await Finished;
        }
        finally
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    public static async Task<string> SubmitAsync(HttpClient client, string source)
    {
        var (_, dataset) = await client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{source}}" }""");
        var (_, submitted) = await client.PostAsync("/api/experiments",
            $$"""{ "name": "crash", "datasetId": "{{dataset!["id"]}}", "preset": "quickstart", "hyperparameters": {{Hyperparameters}} }""");
        return submitted!["runId"]!.GetValue<string>();
    }

    /// <summary>
    /// Everything that must be identical between runs: metrics and step points but throughput and time, checkpoint hashes by
    /// epoch, evaluation.
    /// </summary>
    public static async Task<(IReadOnlyList<string> Metrics, IReadOnlyList<string> Steps, IReadOnlyList<string> Checkpoints, string Evaluation)> ResultsAsync(
        HttpClient client, string runId)
    {
        var metrics = (await client.GetJsonAsync($"/api/runs/{runId}/metrics")).AsArray()
            .Select(m =>
            {
                var copy = m!.DeepClone().AsObject();
                copy.Remove("imagesPerSecond");
                copy.Remove("trainSeconds"); // measured, like the rate
                copy.Remove("recordedAt");
                copy.Remove("runId");
                return copy.ToJsonString();
            })
            .ToList();
        var steps = (await client.GetJsonAsync($"/api/runs/{runId}/steps"))["points"]!.AsArray()
            .Select(p =>
            {
                var copy = p!.DeepClone().AsObject();
                copy.Remove("wallSeconds");
                copy.Remove("runId");
                return copy.ToJsonString();
            })
            .ToList();
        var run = await client.GetJsonAsync($"/api/runs/{runId}");
        var checkpoints = run["artifacts"]!.AsArray().Select(a => $"{a!["epoch"]} {a["sha256"]}").Order().ToList();
        var evaluation = run["evaluation"]!;
        return (metrics, steps, checkpoints, $"{evaluation["loss"]} {evaluation["top1Error"]} {evaluation["top5Error"]} {evaluation["confusionMatrix"]!.ToJsonString()}");
    }
}

/// <summary>
/// A crash costs seconds: one run of the real host is killed (SIGKILL) while it preprocesses, trains and evaluates, and stopped
/// (SIGTERM) while it trains, each time started again on the same folder. Each time the interrupted step starts again within
/// 60 s, and the run ends bit-identical to the reference, step points included, with no duplicate rows and each point once in
/// its TensorBoard files. One sequence, because host start-up is the cost.
/// </summary>
public sealed class CrashRecoveryTests(ReferenceRun reference) : IClassFixture<ReferenceRun>
{
    private static readonly TimeSpan Resume = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_run_killed_in_each_phase_and_stopped_by_SIGTERM_resumes_each_time_and_ends_bit_identical()
    {
        var data = Path.Combine(reference.Root, "interrupted");
        string runId;

        // SIGKILL while preprocessing: the shard job is writing its temporary part.
        await using (var host = await ChildHost.StartAsync(data, ReferenceRun.Settings))
        {
            runId = await ReferenceRun.SubmitAsync(host.Client, reference.Source);
            var datasets = Path.Combine(data, "datasets");
            await host.WaitForLogAsync("never logged", TimeSpan.FromSeconds(60),
                () => Directory.Exists(datasets) && Directory.EnumerateDirectories(datasets, ".shards-*").Any(s => Directory.EnumerateDirectories(s, ".tmp-shard-*").Any()));
            host.Kill();
        }

        // SIGTERM while training epoch 1, with the default 20-minute step so only the stop request can split the epoch.
        await using (var host = await ChildHost.StartAsync(data))
        {
            await ResumedAsync(host, $"PreprocessShard 0 of run {runId} started");
            await host.Client.WaitForRunStateAsync(runId, Api.IsMidEpoch, TimeSpan.FromSeconds(90));
            host.Terminate();
            (await host.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBeLessThan(TimeSpan.FromSeconds(30));
            host.Log.ShouldContain("because it was asked to stop");
        }

        File.Exists(Path.Combine(data, "runs", runId, "epoch-001.partial.ckpt")).ShouldBeTrue("the epoch's state was saved");
        Status(data, runId).ShouldBe("Training", "a stop is not a failure");

        // SIGKILL while training epoch 2, then while evaluating.
        await KilledDuringAsync(data, runId, $"TrainEpoch 1 of run {runId} started", $"TrainEpoch 2 of run {runId} started");
        await KilledDuringAsync(data, runId, $"TrainEpoch 2 of run {runId} started", $"Evaluate of run {runId} started");

        await using (var host = await ChildHost.StartAsync(data, ReferenceRun.Settings))
        {
            await ResumedAsync(host, $"Evaluate of run {runId} started");
            var run = await host.Client.WaitForRunAsync(runId, TimeSpan.FromMinutes(2));
            run["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded", host.Log);
            var (metrics, steps, checkpoints, evaluation) = await ReferenceRun.ResultsAsync(host.Client, runId);
            await reference.Finished;
            metrics.ShouldBe(reference.Metrics);
            steps.ShouldBe(reference.Steps);
            checkpoints.ShouldBe(reference.Checkpoints);
            evaluation.ShouldBe(reference.Evaluation);
        }

        // 1,500 images in batches of 16 make 94 batches an epoch: a point after every 20th and after the last, five an epoch.
        reference.Steps.Count.ShouldBe(2 * 5);
        AssertNoDuplicateRows(data, runId, checkpoints: reference.Checkpoints.Count, steps: reference.Steps.Count);
        await AssertEachPointOnceInTensorBoardAsync(data, runId);
    }

    /// <summary>Every job of the run added the points past the last file's, the interrupted ones included: each point is there once.</summary>
    private static async Task AssertEachPointOnceInTensorBoardAsync(string data, string runId)
    {
        var stored = Query(data, $"SELECT ImagesSeen FROM StepMetrics WHERE RunId = '{runId}' ORDER BY ImagesSeen");
        var files = await TensorBoardEvents.ReadAsync(Path.Combine(data, "runs", runId, "tensorboard"));
        files.SelectMany(f => f.Scalars).Where(s => s.Tag == "train/loss").Select(s => s.Step.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(stored);
    }

    private static async Task ResumedAsync(ChildHost host, string step) =>
        (await host.WaitForLogAsync(step, Resume) - host.StartedAt).ShouldBeLessThan(Resume);

    /// <summary>Restarts after an interruption: the interrupted step starts again within 60 s; SIGKILL once <paramref name="killOn"/> is logged.</summary>
    private static async Task KilledDuringAsync(string data, string runId, string resumedStep, string killOn)
    {
        await using var host = await ChildHost.StartAsync(data, ReferenceRun.Settings);
        await ResumedAsync(host, resumedStep);
        await host.WaitForLogAsync(killOn, TimeSpan.FromSeconds(90));
        host.Kill();
        Status(data, runId).ShouldNotBe("Succeeded", $"the kill came too late to interrupt anything:\n{host.Log}");
    }

    private static string Status(string data, string runId) => Query(data, $"SELECT Status FROM Runs WHERE Id = '{runId}'").Single();

    /// <param name="checkpoints">As many as the reference kept: retention keeps the last and the best epoch.</param>
    /// <param name="steps">As many step points as the reference stored.</param>
    private static void AssertNoDuplicateRows(string data, string runId, int checkpoints, int steps)
    {
        var id = runId;
        Query(data, $"""
            SELECT (SELECT COUNT(*) FROM Runs) || ' ' || (SELECT COUNT(*) FROM EpochMetrics WHERE RunId = '{id}') || ' ' ||
                   (SELECT COUNT(*) FROM Artifacts WHERE RunId = '{id}') || ' ' || (SELECT COUNT(*) FROM EvaluationResults WHERE RunId = '{id}') || ' ' ||
                   (SELECT COUNT(*) FROM HyperparameterRecords WHERE RunId = '{id}') || ' ' || (SELECT COUNT(*) FROM DatasetVersions) || ' ' ||
                   (SELECT COUNT(*) FROM StepMetrics WHERE RunId = '{id}')
            """).ShouldBe([$"1 2 {checkpoints} 1 1 1 {steps}"]);
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
