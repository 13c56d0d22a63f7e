using System.Text.Json;
using System.Text.Json.Serialization;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Studies;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Infrastructure.Storage;

internal sealed class EpochMetricsRow
{
    public required Guid RunId { get; set; }
    public required int Epoch { get; set; }
    public double? TrainLoss { get; set; }
    public double? TrainTop1Error { get; set; }
    public double? TrainTop5Error { get; set; }
    public double? ValidationLoss { get; set; }
    public double? ValidationTop1Error { get; set; }
    public double? ValidationTop5Error { get; set; }
    public double? LearningRate { get; set; }
    public double? ImagesPerSecond { get; set; }
    public double? TrainSeconds { get; set; }
    public required DateTimeOffset RecordedAt { get; set; }

    public static EpochMetricsRow From(EpochMetrics metrics) => new()
    {
        RunId = metrics.RunId,
        Epoch = metrics.Epoch,
        TrainLoss = Real.ToColumn(metrics.TrainLoss),
        TrainTop1Error = Real.ToColumn(metrics.TrainTop1Error),
        TrainTop5Error = Real.ToColumn(metrics.TrainTop5Error),
        ValidationLoss = Real.ToColumn(metrics.ValidationLoss),
        ValidationTop1Error = Real.ToColumn(metrics.ValidationTop1Error),
        ValidationTop5Error = Real.ToColumn(metrics.ValidationTop5Error),
        LearningRate = Real.ToColumn(metrics.LearningRate),
        ImagesPerSecond = Real.ToColumn(metrics.ImagesPerSecond),
        TrainSeconds = metrics.TrainSeconds,
        RecordedAt = metrics.RecordedAt,
    };

    public EpochMetrics ToDomain() => new(
        RunId,
        Epoch,
        Real.FromColumn(TrainLoss),
        Real.FromColumn(TrainTop1Error),
        Real.FromColumn(TrainTop5Error),
        Real.FromColumn(ValidationLoss),
        Real.FromColumn(ValidationTop1Error),
        Real.FromColumn(ValidationTop5Error),
        Real.FromColumn(LearningRate),
        Real.FromColumn(ImagesPerSecond),
        RecordedAt)
    {
        TrainSeconds = TrainSeconds,
    };
}

internal sealed class StepMetricsRow
{
    public required Guid RunId { get; set; }
    public required int Epoch { get; set; }
    public required int Batch { get; set; }
    public required long ImagesSeen { get; set; }
    public double? TrainLoss { get; set; }
    public double? TrainTop1Error { get; set; }
    public double? TrainTop5Error { get; set; }
    public required double WallSeconds { get; set; }

    public static StepMetricsRow From(StepMetrics point) => new()
    {
        RunId = point.RunId,
        Epoch = point.Epoch,
        Batch = point.Batch,
        ImagesSeen = point.ImagesSeen,
        TrainLoss = Real.ToColumn(point.TrainLoss),
        TrainTop1Error = Real.ToColumn(point.TrainTop1Error),
        TrainTop5Error = Real.ToColumn(point.TrainTop5Error),
        WallSeconds = point.WallSeconds,
    };

    public StepMetrics ToDomain() => new(
        RunId, Epoch, Batch, ImagesSeen, Real.FromColumn(TrainLoss), Real.FromColumn(TrainTop1Error), Real.FromColumn(TrainTop5Error), WallSeconds);
}

internal sealed class EvaluationResultRow
{
    public required Guid RunId { get; set; }

    /// <summary>The <see cref="EvaluationCrops"/> name.</summary>
    public required string Crops { get; set; }

    public required int ImageCount { get; set; }
    public double? Loss { get; set; }
    public double? Top1Error { get; set; }
    public double? Top5Error { get; set; }
    public required string PerClassAccuracyJson { get; set; }
    public required string ConfusionMatrixJson { get; set; }
    public required DateTimeOffset RecordedAt { get; set; }

    public static EvaluationResultRow From(EvaluationResult result) => new()
    {
        RunId = result.RunId,
        Crops = Enum.IsDefined(result.Crops) ? result.Crops.ToString() : throw new ArgumentOutOfRangeException(nameof(result), result.Crops, "Unknown crops."),
        ImageCount = result.ImageCount,
        Loss = Real.ToColumn(result.Loss),
        Top1Error = Real.ToColumn(result.Top1Error),
        Top5Error = Real.ToColumn(result.Top5Error),
        PerClassAccuracyJson = StorageJson.Serialize(result.PerClassAccuracy),
        ConfusionMatrixJson = StorageJson.Serialize(result.ConfusionMatrix),
        RecordedAt = result.RecordedAt,
    };

    public EvaluationResult ToDomain() => new(
        RunId,
        Enum.Parse<EvaluationCrops>(Crops),
        ImageCount,
        Real.FromColumn(Loss),
        Real.FromColumn(Top1Error),
        Real.FromColumn(Top5Error),
        StorageJson.Deserialize<double[]>(PerClassAccuracyJson),
        StorageJson.Deserialize<int[][]>(ConfusionMatrixJson),
        RecordedAt);
}

internal sealed class ArtifactRow
{
    public required Guid RunId { get; set; }
    public required string Path { get; set; }
    public required string Kind { get; set; }
    public required string Sha256 { get; set; }
    public required long Bytes { get; set; }
    public int? Epoch { get; set; }
    public required DateTimeOffset CreatedAt { get; set; }

    public static ArtifactRow From(Artifact artifact, ArtifactPaths paths) => new()
    {
        Epoch = artifact.Epoch,
        RunId = artifact.RunId,
        Path = paths.ToStored(artifact.Path),
        Kind = artifact.Kind,
        Sha256 = artifact.Sha256,
        Bytes = artifact.Bytes,
        CreatedAt = artifact.CreatedAt,
    };

    public Artifact ToDomain(ArtifactPaths paths) => new(RunId, Kind, paths.Resolve(Path), Sha256, Bytes, CreatedAt) { Epoch = Epoch };
}
