using System.Net;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Domain.Datasets;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Host.Tests.Jobs;

/// <summary>
/// The artifact directory moves (copied to a new mount point, the old one gone) between two real hosts sharing the results and
/// job stores: the second serves the first's checkpoint and evaluates the run from it, with the real trainer and evaluator.
/// </summary>
public sealed class ArtifactDirectoryTests : IAsyncDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "alexnet-host-tests", Guid.NewGuid().ToString("N"));

    private string DataDirectory => Path.Combine(root, "data");

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(root, recursive: true);
    }

    private HostFactory Host(string artifactDirectory, string queues) => new(settings: new Dictionary<string, string>
    {
        ["AlexNet:DataDirectory"] = DataDirectory,
        ["AlexNet:ArtifactDirectory"] = artifactDirectory,
        ["AlexNet:Queues"] = queues,
    });

    [Fact]
    public async Task A_moved_artifact_directory_still_serves_downloads_and_the_run_is_evaluated_from_it()
    {
        var first = Path.Combine(root, "artifacts-a");
        var moved = Path.Combine(root, "mnt", "artifacts-b");
        string runId;
        byte[] checkpoint;
        JsonNode artifact;
        await using (var host = Host(first, "preprocess,train-cpu"))
        {
            var client = host.CreateClient();
            var source = Path.Combine(DataDirectory, "sources", "tiny");
            await host.Services.GetRequiredService<ISyntheticDatasetGenerator>()
                .GenerateAsync(new(Classes: 2, TrainPerClass: 4, ValidationPerClass: 2, ImageSize: 80, Seed: 1), source, CancellationToken.None);
            var (_, dataset) = await client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{source}}" }""");
            var (accepted, submitted) = await client.PostAsync("/api/experiments", $$"""
                { "name": "moved", "datasetId": "{{dataset!["id"]}}", "preset": "quickstart", "hyperparameters": {
                  "epochs": 1, "batchSize": 4, "model": { "widthMultiplier": 0.125 }, "data": { "imageSize": 72 }, "evaluation": { "tenCrop": false } } }
                """);
            accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted, submitted?.ToJsonString());
            runId = submitted!["runId"]!.GetValue<string>();

            // Trained here; the evaluation waits in a queue this host does not take.
            var monitoring = host.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (monitoring.EnqueuedCount("evaluate") == 0)
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, (await client.GetJsonAsync($"/api/runs/{runId}")).ToJsonString());
                await Task.Delay(100);
            }

            artifact = (await client.GetJsonAsync($"/api/runs/{runId}"))["artifacts"]!.AsArray().ShouldHaveSingleItem()!;
            checkpoint = await client.GetByteArrayAsync(artifact["downloadUrl"]!.GetValue<string>());
            File.Exists(Path.Combine(first, "runs", runId, artifact["name"]!.GetValue<string>())).ShouldBeTrue();
        }

        CopyDirectory(first, moved);
        Directory.Delete(first, recursive: true);

        await using (var host = Host(moved, "preprocess,train-cpu,evaluate"))
        {
            var client = host.CreateClient();
            var run = await client.WaitForRunAsync(runId, TimeSpan.FromMinutes(2));
            run["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded", run.ToJsonString());
            run["evaluation"]!["imageCount"]!.GetValue<int>().ShouldBe(4);
            (await client.GetByteArrayAsync(artifact["downloadUrl"]!.GetValue<string>())).ShouldBe(checkpoint);
            Directory.Exists(first).ShouldBeFalse("nothing recreated the old folder");
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
