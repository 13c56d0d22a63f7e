using System.Text.Json.Nodes;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Tests.Shared;
using Xunit.Abstractions;

namespace AlexNet.Experiments.Host.Tests.RunState;

/// <summary>
/// Run control crosses processes through the store: with a real <c>api</c> process and a real <c>worker</c> process on a real
/// PostgreSQL server, the api shows the worker's progress batch by batch inside the first epoch, and a cancel posted to the api
/// stops the worker's training step within about a second of batches, far from the end of the epoch.
/// </summary>
public sealed class CrossProcessControlTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Hyperparameters = """
        { "epochs": 2, "batchSize": 16, "model": { "widthMultiplier": 0.5 }, "data": { "imageSize": 72 } }
        """;

    private readonly string root = Path.Combine(Path.GetTempPath(), "alexnet-control-tests", Guid.NewGuid().ToString("N"));
    private PostgresServer server = null!;
    private string connectionString = "";

    private string Source => Path.Combine(root, "source");

    public async Task InitializeAsync()
    {
        server = await PostgresServer.GetAsync();
        connectionString = await server.CreateDatabaseAsync();
        await new SyntheticDatasetGenerator().GenerateAsync(
            new SyntheticDatasetSpec(Classes: 3, TrainPerClass: 300, ValidationPerClass: 8, ImageSize: 80, Seed: 11), Source, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await server.DropDatabaseAsync(connectionString);
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task The_api_shows_a_worker_s_progress_within_the_first_epoch_and_its_cancel_stops_the_worker_within_a_second_of_batches()
    {
        var data = Path.Combine(root, "data");
        string[] settings = ["--AlexNet:Storage=PostgreSql", $"--ConnectionStrings:AlexNet={connectionString}"];
        await using var api = await ChildHost.StartAsync(data, ["--AlexNet:Role=api", .. settings]);
        await using var worker = await ChildHost.StartWorkerAsync(data, settings);

        var (_, dataset) = await api.Client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{Source}}" }""");
        var (_, submitted) = await api.Client.PostAsync("/api/experiments",
            $$"""{ "name": "control", "datasetId": "{{dataset!["id"]}}", "preset": "quickstart", "hyperparameters": {{Hyperparameters}} }""");
        string runId = submitted!["runId"]!.GetValue<string>();

        // The worker's progress as the api serves it, polled until several distinct batches of epoch 1 have been seen.
        var seen = new List<JsonNode>();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (seen.Select(Batch).Distinct().Count() < 3)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"the api showed no training progress of epoch 1:\n{worker.Log}");
            if ((await api.Client.GetJsonAsync($"/api/runs/{runId}"))["run"]!["progress"] is { } progress
                && progress["phase"]!.GetValue<string>() == "training" && progress["epoch"]!.GetValue<int>() == 1)
            {
                seen.Add(progress.DeepClone());
            }

            await Task.Delay(100);
        }

        var beforeCancel = seen[^1];
        int batches = beforeCancel["batches"]!.GetValue<int>();
        Batch(beforeCancel).ShouldBeLessThan(batches / 2, "the epoch is long enough to stop inside it");
        double batchesPerSecond = beforeCancel["imagesPerSecond"]!.GetValue<double>() / 16;

        var (cancelled, _) = await api.Client.PostAsync($"/api/runs/{runId}/cancel", "{}");
        cancelled.IsSuccessStatusCode.ShouldBeTrue();
        await worker.WaitForLogAsync("stopped: the run was cancelled", TimeSpan.FromSeconds(30));

        var run = (await api.Client.GetJsonAsync($"/api/runs/{runId}"))["run"]!;
        run["status"]!.GetValue<string>().ShouldBe("Cancelled");
        var stoppedAt = run["progress"]!;
        stoppedAt["epoch"]!.GetValue<int>().ShouldBe(1);
        int stoppedBatch = Batch(stoppedAt);
        stoppedBatch.ShouldBeGreaterThanOrEqualTo(Batch(beforeCancel));
        stoppedBatch.ShouldBeLessThan(batches, "the worker stopped inside the epoch, not at its end");
        // The api's figures lag the worker by at most one control interval (1 s), and the worker reads the cancel within one
        // more: so at most about two seconds of batches, plus the batch in flight, pass between the last figure seen and the stop.
        int allowed = (int)Math.Ceiling(batchesPerSecond * 2.5) + 2;
        output.WriteLine(
            $"epoch 1 batches seen from the api: {string.Join(", ", seen.Select(Batch).Distinct())}; cancelled after batch {Batch(beforeCancel)} of {batches}; " +
            $"stopped at batch {stoppedBatch}; {batchesPerSecond:F1} batches/s, so at most {allowed} allowed");
        (stoppedBatch - Batch(beforeCancel)).ShouldBeLessThanOrEqualTo(allowed, $"{batchesPerSecond:F1} batches/s\n{worker.Log}");
        (await api.Client.GetJsonAsync($"/api/runs/{runId}/metrics")).AsArray().ShouldBeEmpty("no epoch was finished after the cancel");
    }

    private static int Batch(JsonNode progress) => progress["batch"]!.GetValue<int>();
}
