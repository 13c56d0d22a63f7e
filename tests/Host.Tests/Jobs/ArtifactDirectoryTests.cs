using System.Net;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Domain.Datasets;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Host.Tests.Jobs;

/// <summary>
/// The artifact directory with real hosts, the real trainer and evaluator: it moves (copied to a new mount point, the old one
/// gone) between two hosts sharing the results and job stores, and deleting what was trained leaves nothing in it behind.
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

    private HostFactory Host(string artifactDirectory, string queues = "") => new(settings: new Dictionary<string, string>
    {
        ["AlexNet:DataDirectory"] = DataDirectory,
        ["AlexNet:ArtifactDirectory"] = artifactDirectory,
        ["AlexNet:Queues"] = queues,
    });

    private const string TinyRun = """
        "preset": "quickstart", "hyperparameters": {
          "epochs": 1, "batchSize": 4, "model": { "widthMultiplier": 0.125 }, "data": { "imageSize": 72 }, "evaluation": { "tenCrop": false } }
        """;

    private static async Task<string> RegisterTinyDatasetAsync(HostFactory host, HttpClient client, string source)
    {
        await host.Services.GetRequiredService<ISyntheticDatasetGenerator>()
            .GenerateAsync(new(Classes: 2, TrainPerClass: 4, ValidationPerClass: 2, ImageSize: 80, Seed: 1), source, CancellationToken.None);
        var (_, dataset) = await client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{source}}" }""");
        return dataset!["id"]!.GetValue<string>();
    }

    /// <summary>Every file and folder under <paramref name="folder"/>, relative, sorted.</summary>
    private static List<string> Listing(string folder) =>
        [.. Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Select(e => Path.GetRelativePath(folder, e)).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Deleting_a_trained_experiment_and_then_its_dataset_leaves_the_artifact_directory_as_it_was()
    {
        var artifacts = Path.Combine(root, "artifacts");
        await using var host = Host(artifacts);
        var client = host.CreateClient();
        var before = Listing(artifacts);

        var datasetId = await RegisterTinyDatasetAsync(host, client, Path.Combine(DataDirectory, "sources", "tiny"));
        var (accepted, submitted) = await client.PostAsync("/api/experiments", $$"""{ "name": "doomed", "datasetId": "{{datasetId}}", {{TinyRun}} }""");
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted, submitted?.ToJsonString());
        string runId = submitted!["runId"]!.GetValue<string>(), experimentId = submitted["experimentId"]!.GetValue<string>();
        (await client.WaitForRunAsync(runId, TimeSpan.FromMinutes(2)))["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded");
        (await client.PostAsync($"/api/runs/{runId}/features?split=train", "")).Response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await client.GetJsonAsync($"/api/runs/{runId}/features/train"))["state"]!.GetValue<string>() == "pending")
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline);
            await Task.Delay(100);
        }

        var trained = Listing(artifacts);
        var contentHash = trained.Single(e => e.StartsWith("datasets/", StringComparison.Ordinal) && e.Count(c => c == '/') == 1)["datasets/".Length..];
        trained.ShouldContain($"runs/{runId}/features-train.npy");
        trained.ShouldContain(e => e.StartsWith($"runs/{runId}/epoch-001", StringComparison.Ordinal) && e.EndsWith(".metrics.json", StringComparison.Ordinal));
        trained.ShouldContain($"datasets/{contentHash}/mean.bin");

        (await client.DeleteAsync($"/api/experiments/{experimentId}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        Listing(artifacts).ShouldNotContain(e => e.StartsWith($"runs/{runId}", StringComparison.Ordinal));
        (await client.DeleteAsync($"/api/datasets/{datasetId}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        // The two top-level folders may stay, empty.
        Listing(artifacts).Except(["runs", "datasets"]).ShouldBe(before.Except(["runs", "datasets"]));
    }

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
            var datasetId = await RegisterTinyDatasetAsync(host, client, Path.Combine(DataDirectory, "sources", "tiny"));
            var (accepted, submitted) = await client.PostAsync("/api/experiments", $$"""{ "name": "moved", "datasetId": "{{datasetId}}", {{TinyRun}} }""");
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
