using System.Net;
using AlexNet.Experiments.Domain.Datasets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;
using Snapshooter.Xunit;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>Everything real: HTTP, validation, Hangfire on SQLite, TorchSharp training at a tiny size, the SQLite results file.</summary>
public sealed class EndToEndTests : IAsyncLifetime
{
    private const string TinyRun = """
        { "epochs": 2, "batchSize": 16, "model": { "widthMultiplier": 0.125 }, "data": { "imageSize": 72 } }
        """;

    // A zero time budget makes every training batch its own Hangfire job, so epochs are split and resumed for real.
    private readonly HostFactory factory = new(settings: new Dictionary<string, string>
    {
        ["AlexNet:TrainingStepMinutes"] = "0",
        ["AlexNet:CheckpointRetention"] = "All",
    });
    private HttpClient client = null!;
    private string sourcePath = null!;

    public async Task InitializeAsync()
    {
        client = factory.CreateClient();
        sourcePath = Path.Combine(factory.DataDirectory, "sources", "tiny");
        await factory.Services.GetRequiredService<ISyntheticDatasetGenerator>()
            .GenerateAsync(new SyntheticDatasetSpec(Classes: 3, TrainPerClass: 16, ValidationPerClass: 4, ImageSize: 80, Seed: 3), sourcePath, CancellationToken.None);
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task An_experiment_submitted_over_http_is_trained_evaluated_and_stored()
    {
        // A FIFO named like an image must neither block the only worker nor go unreported.
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [Path.Combine(sourcePath, "train", "00-circle-red", "zz-fifo.jpg")]))
        {
            await mkfifo.WaitForExitAsync();
            mkfifo.ExitCode.ShouldBe(0);
        }

        var (registered, dataset) = await client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{sourcePath}}" }""");
        registered.StatusCode.ShouldBe(HttpStatusCode.Created);

        var (accepted, submitted) = await client.PostAsync("/api/experiments",
            $$"""{ "name": "e2e", "datasetId": "{{dataset!["id"]}}", "preset": "quickstart", "hyperparameters": {{TinyRun}} }""");
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var runId = submitted!["runId"]!.GetValue<string>();
        accepted.Headers.Location!.ToString().ShouldBe($"/api/runs/{runId}");

        var run = await client.WaitForRunAsync(runId, TimeSpan.FromMinutes(4));

        run["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded", run.ToJsonString());
        run["record"]!["sha256"]!.GetValue<string>().ShouldBe(submitted["hyperparametersSha256"]!.GetValue<string>());
        run["record"]!["datasetVersionHash"]!.GetValue<string>().Length.ShouldBe(64);
        run["datasetVersion"]!["trainCount"]!.GetValue<int>().ShouldBe(48);
        run["datasetVersion"]!["skippedCount"]!.GetValue<int>().ShouldBe(1);
        var listed = await client.GetJsonAsync($"/api/datasets/{dataset!["id"]}");
        var skipped = listed["versions"]!.AsArray().ShouldHaveSingleItem()!["skipped"]!.AsArray().ShouldHaveSingleItem()!;
        skipped["path"]!.GetValue<string>().ShouldBe("train/00-circle-red/zz-fifo.jpg");
        skipped["reason"]!.GetValue<string>().ShouldBe("not a regular file (a FIFO)");
        run["evaluation"]!["imageCount"]!.GetValue<int>().ShouldBe(12);
        run["evaluation"]!["crops"]!.GetValue<string>().ShouldBe("TenCrop");
        run["artifacts"]!.AsArray().Count.ShouldBe(2);

        // plan, one preprocessing shard, merge, 2 epochs x 3 batches (each its own job under the zero budget), evaluate.
        // The last step records the run's end before Hangfire records the job's, so its count may lag by a moment.
        var monitoring = factory.Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
        for (var deadline = DateTime.UtcNow.AddSeconds(15); monitoring.SucceededListCount() < 10 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(100);
        }

        monitoring.SucceededListCount().ShouldBe(10);

        var metrics = (await client.GetJsonAsync($"/api/runs/{runId}/metrics")).AsArray();
        metrics.Select(m => m!["epoch"]!.GetValue<int>()).ShouldBe([1, 2]);
        metrics.ShouldAllBe(m => m!["imagesPerSecond"]!.GetValue<double>() > 0);

        Snapshot.Match(WithFloatsToFiveDigits(run.ToJsonString()), options => options
            .IgnoreFields("run.id").IgnoreFields("run.experimentId").IgnoreFields("run.datasetId")
            .IgnoreFields("run.createdAt").IgnoreFields("run.updatedAt").IgnoreFields("run.metrics.imagesPerSecond")
            .IgnoreFields("run.progress.imagesPerSecond").IgnoreFields("run.progress.updatedAt")
            .IgnoreFields("record.datasetVersionHash").IgnoreFields("record.createdAt")
            .IgnoreFields("record.codeVersion").IgnoreFields("record.torchSharpVersion").IgnoreFields("record.libTorchVersion")
            .IgnoreFields("datasetVersion.contentHash").IgnoreFields("datasetVersion.datasetId")
            .IgnoreFields("datasetVersion.createdAt").IgnoreFields("evaluation").IgnoreFields("artifacts"));

        // The recorded hyperparameters reproduce the run: same losses and errors to the last bit.
        var (reproduced, queued) = await client.PostAsync($"/api/runs/{runId}/reproduce", "");
        reproduced.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var copyId = queued!["runId"]!.GetValue<string>();
        var copy = (await client.WaitForRunAsync(copyId, TimeSpan.FromMinutes(4)))["run"]!;
        copy["status"]!.GetValue<string>().ShouldBe("Succeeded");
        copy["sourceRunId"]!.GetValue<string>().ShouldBe(runId);
        var copyMetrics = (await client.GetJsonAsync($"/api/runs/{copyId}/metrics")).AsArray();
        string Reproducible(System.Text.Json.Nodes.JsonNode? m) =>
            $"{m!["trainLoss"]} {m["trainTop1Error"]} {m["validationLoss"]} {m["validationTop1Error"]} {m["validationTop5Error"]} {m["learningRate"]}";
        copyMetrics.Select(Reproducible).ShouldBe(metrics.Select(Reproducible));
        (await client.PostAsync($"/api/runs/{Guid.NewGuid()}/reproduce", "")).Response.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        await using var db = new SqliteConnection($"Data Source={factory.ResultsDatabasePath};Mode=ReadOnly");
        await db.OpenAsync();
        (await CountAsync(db, $"SELECT COUNT(*) FROM EpochMetrics WHERE RunId = '{runId.ToUpperInvariant()}' OR RunId = '{runId}'")).ShouldBe(2);
    }

    [Fact]
    public async Task A_malformed_submission_is_rejected_naming_the_field_and_changes_nothing()
    {
        var (_, dataset) = await client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{sourcePath}}" }""");
        var before = await SnapshotTablesAsync();

        var (response, problem) = await client.PostAsync("/api/experiments",
            $$"""{ "name": "bad", "datasetId": "{{dataset!["id"]}}", "hyperparameters": { "model": { "dropout": 1.5 } } }""");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        problem!["status"]!.GetValue<int>().ShouldBe(400);
        problem["errors"]!.AsObject().Select(e => e.Key).ShouldBe(["hyperparameters.model.dropout"]);
        (await SnapshotTablesAsync()).ShouldBe(before);
    }

    private async Task<string> SnapshotTablesAsync()
    {
        await using var db = new SqliteConnection($"Data Source={factory.ResultsDatabasePath};Mode=ReadOnly");
        await db.OpenAsync();
        var counts = new List<string>();
        foreach (var table in new[] { "Datasets", "Experiments", "Runs", "HyperparameterRecords", "EpochMetrics" })
        {
            counts.Add($"{table}={await CountAsync(db, $"SELECT COUNT(*) FROM {table}")}");
        }

        return string.Join(", ", counts);
    }

    // float32 kernels round differently across CPU models (AVX2 vs AVX-512), so the snapshot pins five significant digits;
    // bit-for-bit reproduction on one machine is asserted by the reproduce step of the test.
    private static JObject WithFloatsToFiveDigits(string json)
    {
        var token = JObject.Parse(json);
        foreach (var value in token.Descendants().OfType<JValue>().Where(v => v.Type == JTokenType.Float).ToList())
            value.Value = double.Parse(((double)value).ToString("G5", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
        return token;
    }

    private static async Task<long> CountAsync(SqliteConnection db, string sql)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
