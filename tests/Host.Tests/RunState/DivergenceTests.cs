using System.Net;
using AlexNet.Experiments.Domain.Datasets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Host.Tests.RunState;

/// <summary>A run whose loss blows up (learning rate 10) through the real host: HTTP, Hangfire on SQLite, TorchSharp, the SQLite store.</summary>
public sealed class DivergenceTests : IAsyncLifetime
{
    private readonly HostFactory factory = new();
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
    public async Task A_diverging_run_ends_Diverged_with_its_epoch_and_batch_and_null_metrics()
    {
        var (_, dataset) = await client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{sourcePath}}" }""");
        var (accepted, submitted) = await client.PostAsync("/api/experiments", $$"""
            { "name": "lr 10", "datasetId": "{{dataset!["id"]}}", "preset": "quickstart", "hyperparameters": {
              "epochs": 3, "batchSize": 16, "optimizer": { "learningRate": 10 }, "model": { "widthMultiplier": 0.125 }, "data": { "imageSize": 72 } } }
            """);
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var runId = submitted!["runId"]!.GetValue<string>();

        var run = (await client.WaitForRunAsync(runId, TimeSpan.FromMinutes(2)))["run"]!;

        run["status"]!.GetValue<string>().ShouldBe("Diverged", run.ToJsonString());
        var epoch = run["divergence"]!["epoch"]!.GetValue<int>();
        run["divergence"]!["batch"]!.GetValue<int>().ShouldBeInRange(1, 3);
        run["error"]!.GetValue<string>().ShouldStartWith("The training loss became");
        run["epochsCompleted"]!.GetValue<int>().ShouldBe(epoch - 1);

        var metricsResponse = await client.GetAsync($"/api/runs/{runId}/metrics");
        metricsResponse.StatusCode.ShouldBe(HttpStatusCode.OK);
        var last = System.Text.Json.Nodes.JsonNode.Parse(await metricsResponse.Content.ReadAsStringAsync())!.AsArray().Last()!;
        last["epoch"]!.GetValue<int>().ShouldBe(epoch);
        last["trainLoss"].ShouldBeNull();
        last["validationTop1Error"].ShouldBeNull();

        await using var db = new SqliteConnection($"Data Source={factory.ResultsDatabasePath};Mode=ReadOnly");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT r.Status, r.DivergedEpoch, m.TrainLoss IS NULL FROM Runs r JOIN EpochMetrics m ON m.RunId = r.Id AND m.Epoch = r.DivergedEpoch";
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        (reader.GetString(0), reader.GetInt32(1), reader.GetBoolean(2)).ShouldBe(("Diverged", epoch, true));
    }
}
