using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;
using AlexNet.Experiments.Infrastructure.Torch.Augmentation;
using AlexNet.Experiments.Infrastructure.Torch.Training;
using AlexNet.Experiments.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Training;

/// <summary>
/// Training draws only from generators of its own, so it is reproducible whatever else runs; the collection still runs alone
/// because <see cref="GlobalGeneratorTests"/> proves that by watching libtorch's global generator, which no other test may touch meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchTrainingCollection : ICollectionFixture<TrainedRunFixture>
{
    public const string Name = "Torch training";
}

/// <summary>A tiny generated dataset, preprocessed once, and run A trained for epochs 1 and 2 on it; shared read-only.</summary>
public sealed class TrainedRunFixture : IAsyncLifetime
{
    public const int Classes = 3, TrainPerClass = 12, ValidationPerClass = 4, StoredSize = 72;
    public const double Epoch1Rate = 0.01, Epoch2Rate = 0.005;

    /// <summary>36 images in batches of 8 make 5 batches an epoch: points after batches 2, 4 and 5.</summary>
    public const int StepBatches = 2;

    private readonly TempDirectory _root = new();

    public Guid RunId { get; } = Guid.NewGuid();

    public DatasetVersion Dataset { get; private set; } = null!;

    public string RunDirectory => _root.Combine("run-a");

    public EpochOutcome Epoch1 { get; private set; } = null!;

    public EpochOutcome Epoch2 { get; private set; } = null!;

    /// <summary>The step points run A's two epochs reported, in order.</summary>
    public IReadOnlyList<StepMetrics> Points => points;

    private readonly List<StepMetrics> points = [];

    public Hyperparameters Hyperparameters { get; } = Tiny(seed: 1);

    /// <summary>The paper's recipe (dropout, augmentation, LRN, one-biases) at a width and crop that train in well under a second.</summary>
    public static Hyperparameters Tiny(int seed) => new()
    {
        Seed = seed,
        Epochs = 2,
        BatchSize = 8,
        Model = new ModelHyperparameters { WidthMultiplier = 0.125, InputSize = 67 },
        Data = new DataHyperparameters { ImageSize = StoredSize },
        Evaluation = new EvaluationHyperparameters { TenCrop = false },
    };

    public string NewDirectory(string name) => _root.Combine(name);

    internal static TorchTrainer CreateTrainer(IAugmentationFactory? augmentations = null) =>
        new(augmentations ?? new TorchAugmentationFactory(), NullLogger<TorchTrainer>.Instance);

    public TrainingRequest Request(int epoch, string directory, Hyperparameters? hyperparameters = null) =>
        new(RunId, hyperparameters ?? Hyperparameters, Dataset, epoch, epoch == 1 ? Epoch1Rate : Epoch2Rate, directory)
        {
            Steps = new StepRecording(StepBatches),
        };

    public async Task InitializeAsync()
    {
        string source = _root.Combine("source");
        await new SyntheticDatasetGenerator().GenerateAsync(
            new SyntheticDatasetSpec(Classes, TrainPerClass, ValidationPerClass, ImageSize: 80, Seed: 1), source, CancellationToken.None);
        var dataset = new Dataset(Guid.NewGuid(), "tiny", source, DatasetFormat.ImageFolder, DateTimeOffset.UnixEpoch);
        Dataset = await new DatasetPreprocessor().PreprocessAsync(
            dataset, new PreprocessingSettings(StoredSize), _root.Combine("store"), null, CancellationToken.None);

        var recording = new StepRecording(StepBatches) { Points = new ListProgress<StepMetrics>(points) };
        Epoch1 = await CreateTrainer().TrainWholeEpochAsync(Request(1, RunDirectory) with { Steps = recording });
        Epoch2 = await CreateTrainer().TrainWholeEpochAsync(Request(2, RunDirectory) with { Steps = recording });
    }

    public Task DisposeAsync()
    {
        _root.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Keeps every report, in order, on the reporting thread.</summary>
public sealed class ListProgress<T>(List<T> values) : IProgress<T>
{
    public ListProgress()
        : this([])
    {
    }

    public List<T> Values => values;

    public void Report(T value) => values.Add(value);
}

public static class TrainerExtensions
{
    /// <summary>Trains an epoch in one call; the requests here set no time budget, so the epoch must finish.</summary>
    public static async Task<EpochOutcome> TrainWholeEpochAsync(this ITrainer trainer, TrainingRequest request) =>
        await trainer.TrainEpochAsync(request, CancellationToken.None) ?? throw new InvalidOperationException("The epoch stopped early without a time budget.");
}
