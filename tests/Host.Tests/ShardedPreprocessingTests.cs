using System.Net;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>
/// Sharded preprocessing through the real host: HTTP, the Application handler, Hangfire on SQLite, the real preprocessor and a
/// tiny TorchSharp run. 60 records at 25 per shard make three shard jobs.
/// </summary>
public sealed class ShardedPreprocessingTests : IAsyncLifetime
{
    private const string TinyRun = """
        { "epochs": 1, "batchSize": 16, "model": { "widthMultiplier": 0.125 }, "data": { "imageSize": 72 } }
        """;

    private readonly HostFactory factory = new(settings: new Dictionary<string, string> { ["AlexNet:ImagesPerShard"] = "25" });
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
    public async Task A_run_whose_dataset_needs_three_shards_gets_three_shard_jobs_and_one_merge_and_the_single_pass_version()
    {
        var (_, dataset) = await client.PostAsync("/api/datasets", $$"""{ "name": "tiny", "sourcePath": "{{sourcePath}}" }""");
        string Submit() => $$"""{ "name": "sharded", "datasetId": "{{dataset!["id"]}}", "preset": "quickstart", "hyperparameters": {{TinyRun}} }""";
        var (accepted, first) = await client.PostAsync("/api/experiments", Submit());
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        // Submitted before the first run's plan has run, so both plan the same new version.
        var (_, second) = await client.PostAsync("/api/experiments", Submit());

        var firstRun = await client.WaitForRunAsync(first!["runId"]!.GetValue<string>(), TimeSpan.FromMinutes(3));
        var secondRun = await client.WaitForRunAsync(second!["runId"]!.GetValue<string>(), TimeSpan.FromMinutes(3));

        firstRun["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded", firstRun.ToJsonString());
        secondRun["run"]!["status"]!.GetValue<string>().ShouldBe("Succeeded", secondRun.ToJsonString());
        var steps = factory.Services.GetRequiredService<JobStorage>().GetMonitoringApi().SucceededJobs(0, 100)
            .Select(j => (RunStep)j.Value.Job.Args[0]).ToList();
        steps.Where(s => s.Kind == RunStepKind.PreprocessShard).Select(s => s.Shard).Order().ShouldBe([0, 1, 2]);
        steps.Count(s => s.Kind == RunStepKind.PreprocessShard).ShouldBe(3, "the second run waits for the first run's shards");
        // One merge publishes the version; the second run's merge step only finds it published.
        steps.Where(s => s.Kind == RunStepKind.PreprocessMerge).Select(s => s.RunId.ToString()).ShouldBe(
            [first["runId"]!.GetValue<string>(), second["runId"]!.GetValue<string>()], ignoreOrder: true);
        var datasets = Path.Combine(factory.DataDirectory, "datasets");
        Directory.GetDirectories(datasets).Select(Path.GetFileName).ShouldBe([firstRun["record"]!["datasetVersionHash"]!.GetValue<string>()]);

        // The same source preprocessed in one pass: the same version, byte for byte.
        var version = firstRun["datasetVersion"]!;
        var single = await new DatasetPreprocessor().PreprocessAsync(
            new Dataset(Guid.NewGuid(), "tiny", sourcePath, DatasetFormat.ImageFolder, DateTimeOffset.UnixEpoch),
            new PreprocessingSettings(72), Path.Combine(factory.DataDirectory, "single-pass"), null, CancellationToken.None);
        version["contentHash"]!.GetValue<string>().ShouldBe(single.ContentHash);
        secondRun["record"]!["datasetVersionHash"]!.GetValue<string>().ShouldBe(single.ContentHash);
        foreach (var file in new[] { "train.bin", "val.bin", "mean.bin" })
        {
            File.ReadAllBytes(Path.Combine(datasets, single.ContentHash, file)).ShouldBe(File.ReadAllBytes(Path.Combine(single.StorePath, file)), file);
        }
    }
}
