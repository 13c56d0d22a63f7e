using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using Microsoft.Data.Sqlite;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>
/// With batchSlices above 1 every slice of a batch is computed on one thread, so a run's numbers are the machine's to
/// choose no longer: the real program, pinned to one core by taskset, trains the same bits as on every core.
/// </summary>
public sealed class CoreCountTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "alexnet-core-tests", Guid.NewGuid().ToString("N"));

    private string Source => Path.Combine(root, "source");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_sliced_run_gives_the_same_checkpoint_and_metrics_on_one_core_as_on_all_of_them()
    {
        Environment.ProcessorCount.ShouldBeGreaterThan(1, "the comparison needs a machine with more than one core");
        // Small images and few of them: what the comparison needs is the preset's sliced batches, not the real dataset's size.
        await new SyntheticDatasetGenerator().GenerateAsync(
            new SyntheticDatasetSpec(Classes: 4, TrainPerClass: 96, ValidationPerClass: 8, ImageSize: 64, Seed: 3), Source, CancellationToken.None);

        var oneCore = await TrainAsync("one-core", pinTo: "0");
        var allCores = await TrainAsync("all-cores", pinTo: null);

        oneCore.Checkpoint.ShouldBe(allCores.Checkpoint);
        oneCore.Metrics.ShouldBe(allCores.Metrics);
    }

    private async Task<(string Checkpoint, string Metrics)> TrainAsync(string name, string? pinTo)
    {
        string data = Path.Combine(root, name);
        string[] args =
        [
            "train", "--preset", "fashion-mnist", "--dataset", Source, "--AlexNet:DataDirectory", data,
            "--hyperparameters", """{"epochs":1,"batchSlices":3,"evaluation":{"tenCrop":false}}""",
        ];
        using var host = pinTo is null ? HostProcess.Start(args) : HostProcess.StartPinned(pinTo, args);
        var (exitCode, _) = await host.WaitForExitAsync(TimeSpan.FromMinutes(4));
        exitCode.ShouldBe(0, $"{host.Output}\n{host.Error}");

        string runDirectory = Directory.GetDirectories(Path.Combine(data, "runs")).ShouldHaveSingleItem();
        string checkpoint = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(runDirectory, "epoch-001.ckpt"))));

        // The epoch's metrics but its clock: losses and errors of training and validation.
        var metrics = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(runDirectory, "epoch-001.metrics.json")))!.AsObject();
        foreach (var clock in new[] { "imagesPerSecond", "recordedAt", "trainSeconds", "runId" })
        {
            metrics.Remove(metrics.Select(p => p.Key).Single(k => k.Equals(clock, StringComparison.OrdinalIgnoreCase)));
        }

        return (checkpoint, metrics.ToJsonString());
    }
}
