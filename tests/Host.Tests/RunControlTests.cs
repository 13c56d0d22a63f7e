using System.Net;
using AlexNet.Experiments.Domain.Datasets;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>Cancel, delete and dashboard job deletion on a real host with one worker, so a second run's first job waits in the queue.</summary>
public sealed class RunControlTests : IAsyncLifetime
{
    private const string Tiny = """ "batchSize": 16, "model": { "widthMultiplier": 0.125 }, "data": { "imageSize": 72 } """;

    private readonly HostFactory factory = new();
    private HttpClient client = null!;
    private string datasetId = null!;

    public async Task InitializeAsync()
    {
        client = factory.CreateClient();
        var source = Path.Combine(factory.DataDirectory, "sources", "tiny");
        await factory.Services.GetRequiredService<ISyntheticDatasetGenerator>()
            .GenerateAsync(new SyntheticDatasetSpec(Classes: 3, TrainPerClass: 16, ValidationPerClass: 4, ImageSize: 80, Seed: 3), source, CancellationToken.None);
        var (_, dataset) = await client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{source}}" }""");
        datasetId = dataset!["id"]!.GetValue<string>();
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    private async Task<(string ExperimentId, string RunId)> SubmitAsync(int epochs)
    {
        var (response, body) = await client.PostAsync("/api/experiments",
            $$"""{ "name": "control", "datasetId": "{{datasetId}}", "preset": "quickstart", "hyperparameters": { "epochs": {{epochs}}, {{Tiny}} } }""");
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, body?.ToJsonString());
        return (body!["experimentId"]!.GetValue<string>(), body["runId"]!.GetValue<string>());
    }

    private Task<System.Text.Json.Nodes.JsonNode> WaitUntilAsync(string runId, Func<System.Text.Json.Nodes.JsonNode, bool> condition) =>
        client.WaitForRunStateAsync(runId, condition, TimeSpan.FromMinutes(2));

    [Fact]
    public async Task A_cancelled_run_stops_a_deleted_job_is_reconciled_and_deletion_removes_rows_and_files()
    {
        var (longExperiment, longRun) = await SubmitAsync(epochs: 200);
        var (shortExperiment, shortRun) = await SubmitAsync(epochs: 1);

        // The long run's preprocessing holds the only worker, so the short run's first job is still waiting in the queue.
        var storage = factory.Services.GetRequiredService<JobStorage>();
        var deletedJob = CurrentJob(storage, shortRun);
        using (var connection = storage.GetConnection())
        {
            connection.GetJobData(deletedJob)!.State.ShouldBe("Enqueued");
        }

        // Deleted from the dashboard: the run is given a new job rather than left waiting for ever.
        factory.Services.GetRequiredService<IBackgroundJobClient>().Delete(deletedJob).ShouldBeTrue();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (CurrentJob(storage, shortRun) == deletedJob)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline);
            await Task.Delay(100);
        }

        // Training has begun (a batch is done), so the run has files for the deletion below to remove.
        await WaitUntilAsync(longRun, r => r["status"]!.GetValue<string>() == "Training" && r["progress"]?["phase"]?.GetValue<string>() == "training");
        (await client.DeleteAsync($"/api/runs/{longRun}")).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await client.DeleteAsync($"/api/experiments/{longExperiment}")).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var (cancelled, body) = await client.PostAsync($"/api/runs/{longRun}/cancel", "");
        cancelled.StatusCode.ShouldBe(HttpStatusCode.OK);
        body!["status"]!.GetValue<string>().ShouldBe("Cancelled");

        // Cancelled long before its 200 epochs; the reconciled short run still completes (as a 1-epoch run it may finish before
        // the long run is cancelled). The stopped step keeps its last progress once it has seen the cancellation.
        (await client.WaitForRunAsync(shortRun, TimeSpan.FromMinutes(2)))["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded");
        var stopped = await WaitUntilAsync(longRun, r => r["progress"] is not null);
        stopped["status"]!.GetValue<string>().ShouldBe("Cancelled");
        stopped["epochsCompleted"]!.GetValue<int>().ShouldBeLessThan(200);
        (await client.PostAsync($"/api/runs/{longRun}/cancel", "")).Response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await client.PostAsync($"/api/runs/{shortRun}/cancel", "")).Response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await client.PostAsync($"/api/runs/{Guid.NewGuid()}/cancel", "")).Response.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var longFolder = Path.Combine(factory.DataDirectory, "runs", longRun);
        Directory.Exists(longFolder).ShouldBeTrue();
        // Cancelled, but until its step has saved the epoch's state and returned, deleting it is a conflict, not a half-deleted folder.
        var stoppedBy = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        HttpStatusCode deleted;
        while ((deleted = (await client.DeleteAsync($"/api/runs/{longRun}")).StatusCode) == HttpStatusCode.Conflict && DateTime.UtcNow < stoppedBy)
        {
            await Task.Delay(100);
        }

        deleted.ShouldBe(HttpStatusCode.NoContent);
        Directory.Exists(longFolder).ShouldBeFalse();
        (await client.GetAsync($"/api/runs/{longRun}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.DeleteAsync($"/api/runs/{longRun}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // A dataset goes only when no experiment uses it.
        (await client.DeleteAsync($"/api/datasets/{datasetId}")).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await client.DeleteAsync($"/api/experiments/{longExperiment}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await client.DeleteAsync($"/api/experiments/{shortExperiment}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        Directory.Exists(Path.Combine(factory.DataDirectory, "runs", shortRun)).ShouldBeFalse();
        (await client.GetJsonAsync("/api/runs"))["total"]!.GetValue<int>().ShouldBe(0);
        (await client.DeleteAsync($"/api/datasets/{datasetId}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await client.GetAsync($"/api/datasets/{datasetId}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.DeleteAsync($"/api/experiments/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    /// <summary>The run's current job as the results file has it, looked up by the id as the API prints it.</summary>
    private string CurrentJob(JobStorage storage, string runId)
    {
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={factory.ResultsDatabasePath};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT CurrentJobId FROM Runs WHERE Id = $id";
        command.Parameters.AddWithValue("$id", runId);
        return (string)command.ExecuteScalar()!;
    }
}
