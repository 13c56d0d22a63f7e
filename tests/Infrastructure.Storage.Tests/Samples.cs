using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Infrastructure.Storage.Tests;

/// <summary>Records with every field set to something distinguishable; times are UTC and whole milliseconds, as stored.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

    public static Dataset Dataset(DateTimeOffset? createdAt = null, string name = "tiny-imagenet") =>
        new(Guid.NewGuid(), name, "/srv/sources/" + name, DatasetFormat.Cifar100, createdAt ?? T0);

    public static DatasetVersion Version(Guid datasetId, string? contentHash = null) => new(
        contentHash ?? Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + "0123456789abcdef0123456789abcdef",
        datasetId,
        new PreprocessingSettings(128),
        ["n01440764 tench", "goldfish, \"Carassius\"", "économie – ünïcode ✓"],
        TrainCount: 1200,
        ValidationCount: 300,
        Skipped: [new SkippedFile("train/a/x.jpg", "not a regular file (a FIFO)"), new SkippedFile("val/ü ✓.png", "header claims 65500x65500 pixels")],
        HoldOut: new ValidationHoldOut(0.1, 7),
        new ColourPca([0.2175, 0.0188, 0.0045], [-0.5675, 0.7192, 0.4009, -0.5808, -0.0045, -0.8140, -0.5836, -0.6948, 0.4203]),
        "/srv/data/datasets/abc",
        T0.AddMinutes(1));

    public static Experiment Experiment(Guid datasetId, DateTimeOffset? createdAt = null, string name = "baseline") =>
        new(Guid.NewGuid(), name, datasetId, "paper", createdAt ?? T0.AddMinutes(2));

    public static Run Run(Guid experimentId, DateTimeOffset? createdAt = null, RunStatus status = RunStatus.Queued) => Domain.Experiments.Run.Restore(
        Guid.NewGuid(),
        experimentId,
        status,
        new Hyperparameters { Seed = 1, Epochs = 90 },
        datasetVersionHash: null,
        epochsCompleted: 0,
        currentJobId: null,
        error: null,
        divergence: null,
        sourceRunId: null,
        createdAt ?? T0.AddMinutes(2),
        (createdAt ?? T0.AddMinutes(2)).AddSeconds(1));

    public static HyperparameterRecord Record(Guid runId, string datasetVersionHash) => new(
        runId,
        """{"seed":42}""",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        42,
        datasetVersionHash,
        ClassCount: 3,
        "1.0.0+abc123",
        "0.107.0",
        "2.7.1",
        "cpu",
        T0.AddMinutes(3));

    public static EpochMetrics Metrics(Guid runId, int epoch) => new(
        runId,
        epoch,
        TrainLoss: 6.9 - epoch * 0.01,
        TrainTop1Error: 0.99 - epoch * 0.001,
        TrainTop5Error: 0.95,
        ValidationLoss: 6.8,
        ValidationTop1Error: 0.97,
        ValidationTop5Error: 0.9,
        LearningRate: 0.01,
        ImagesPerSecond: 1234.5,
        T0.AddHours(epoch));

    /// <summary>The points of one epoch of 90 batches of 128 images, taken every 20 batches: 20, 40, 60, 80, 90.</summary>
    public static IReadOnlyList<StepMetrics> Steps(Guid runId, int epoch) =>
    [
        .. new[] { 20, 40, 60, 80, 90 }.Select(batch => new StepMetrics(
            runId, epoch, batch, ((epoch - 1) * 11_500L) + Math.Min(batch * 128, 11_500), TrainLoss: 6.9 - batch / 1000.0, TrainTop1Error: 1 - batch / 3000.0,
            TrainTop5Error: 0.9 - batch / 7000.0, WallSeconds: (epoch * 100.5) + batch / 3.0)),
    ];

    public static EvaluationResult Evaluation(Guid runId, EvaluationCrops crops = EvaluationCrops.TenCrop) => new(
        runId,
        crops,
        ImageCount: 300,
        Loss: 1.25,
        Top1Error: 0.375,
        Top5Error: 0.0625,
        [0.5, 0.75, 1.0 / 3],
        [[50, 30, 20], [10, 75, 15], [0, 67, 33]],
        T0.AddDays(1));

    public static Artifact Artifact(Guid runId, string path, DateTimeOffset? createdAt = null) =>
        new(runId, "checkpoint", path, new string('a', 64), 123_456_789_012, createdAt ?? T0.AddHours(1));

    /// <summary>A dataset, its version, and an experiment with one queued run, all stored.</summary>
    public static async Task<Seeded> SeedAsync(ResultsStore store, DateTimeOffset? experimentCreatedAt = null)
    {
        var dataset = Dataset();
        await store.AddDatasetAsync(dataset, CancellationToken.None);
        var version = Version(dataset.Id);
        await store.AddDatasetVersionAsync(version, CancellationToken.None);
        var experiment = Experiment(dataset.Id, experimentCreatedAt);
        var run = Run(experiment.Id, experiment.CreatedAt);
        await store.AddExperimentAsync(experiment, run, CancellationToken.None);
        return new Seeded(dataset, version, experiment, run);
    }

    public sealed record Seeded(Dataset Dataset, DatasetVersion Version, Experiment Experiment, Run Run);
}
