using System.Text.Json;
using System.Text.Json.Serialization;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Studies;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Infrastructure.Storage;

// Persistence rows: the database's shape, mapped explicitly to and from the Domain records so neither constrains the other.
// DateTimeOffset columns hold UTC Unix milliseconds (see ResultsDbContext.ConfigureConventions).

internal sealed class DatasetRow
{
    public required Guid Id { get; set; }
    public required string Name { get; set; }
    public required string SourcePath { get; set; }
    public required DatasetFormat Format { get; set; }
    public required DateTimeOffset CreatedAt { get; set; }

    public static DatasetRow From(Dataset dataset) => new()
    {
        Id = dataset.Id,
        Name = dataset.Name,
        SourcePath = dataset.SourcePath,
        Format = dataset.Format,
        CreatedAt = dataset.CreatedAt,
    };

    public Dataset ToDomain() => new(Id, Name, SourcePath, Format, CreatedAt);
}

internal sealed class DatasetVersionRow
{
    public required string ContentHash { get; set; }
    public required Guid DatasetId { get; set; }
    public required int ImageSize { get; set; }
    public required string ClassNamesJson { get; set; }
    public required int TrainCount { get; set; }
    public required int ValidationCount { get; set; }
    public required int SkippedCount { get; set; }
    public required string SkippedFilesJson { get; set; }
    public double? HoldOutFraction { get; set; }
    public int? HoldOutSeed { get; set; }
    public required string ColourPcaEigenvaluesJson { get; set; }
    public required string ColourPcaEigenvectorsJson { get; set; }
    public required string StorePath { get; set; }
    public required DateTimeOffset CreatedAt { get; set; }

    public static DatasetVersionRow From(DatasetVersion version, ArtifactPaths paths) => new()
    {
        ContentHash = version.ContentHash,
        DatasetId = version.DatasetId,
        ImageSize = version.Settings.ImageSize,
        ClassNamesJson = StorageJson.Serialize(version.ClassNames),
        TrainCount = version.TrainCount,
        ValidationCount = version.ValidationCount,
        SkippedCount = version.SkippedCount,
        SkippedFilesJson = StorageJson.Serialize(version.Skipped),
        HoldOutFraction = version.HoldOut?.Fraction,
        HoldOutSeed = version.HoldOut?.Seed,
        ColourPcaEigenvaluesJson = StorageJson.Serialize(version.ColourPca.Eigenvalues),
        ColourPcaEigenvectorsJson = StorageJson.Serialize(version.ColourPca.Eigenvectors),
        StorePath = paths.ToStored(version.StorePath),
        CreatedAt = version.CreatedAt,
    };

    public DatasetVersion ToDomain(ArtifactPaths paths) => new(
        ContentHash,
        DatasetId,
        new PreprocessingSettings(ImageSize),
        StorageJson.Deserialize<string[]>(ClassNamesJson),
        TrainCount,
        ValidationCount,
        StorageJson.Deserialize<SkippedFile[]>(SkippedFilesJson),
        HoldOutFraction is { } fraction && HoldOutSeed is { } seed ? new ValidationHoldOut(fraction, seed) : null,
        new ColourPca(StorageJson.Deserialize<double[]>(ColourPcaEigenvaluesJson), StorageJson.Deserialize<double[]>(ColourPcaEigenvectorsJson)),
        paths.Resolve(StorePath),
        CreatedAt);
}

internal sealed class ExperimentRow
{
    public required Guid Id { get; set; }
    public required string Name { get; set; }
    public required Guid DatasetId { get; set; }
    public required string Preset { get; set; }
    public required DateTimeOffset CreatedAt { get; set; }

    public static ExperimentRow From(Experiment experiment) => new()
    {
        Id = experiment.Id,
        Name = experiment.Name,
        DatasetId = experiment.DatasetId,
        Preset = experiment.Preset,
        CreatedAt = experiment.CreatedAt,
    };

    public Experiment ToDomain() => new(Id, Name, DatasetId, Preset, CreatedAt);
}

internal sealed class RunRow
{
    public required Guid Id { get; set; }
    public required Guid ExperimentId { get; set; }

    /// <summary>The <see cref="RunStatus"/> name, so the column reads well and survives reordering the enum.</summary>
    public required string Status { get; set; }

    public required string HyperparametersJson { get; set; }
    public string? DatasetVersionHash { get; set; }
    public required int EpochsCompleted { get; set; }
    public string? CurrentJobId { get; set; }
    public string? Error { get; set; }
    public int? DivergedEpoch { get; set; }
    public int? DivergedBatch { get; set; }
    public required DateTimeOffset CreatedAt { get; set; }
    public required DateTimeOffset UpdatedAt { get; set; }
    public Guid? SourceRunId { get; set; }
    public string? Note { get; set; }

    /// <summary>The last progress figures as JSON, kept after the run ends.</summary>
    public string? LastProgress { get; set; }

    public static readonly string[] FinishedStatuses = [nameof(RunStatus.Succeeded), nameof(RunStatus.Failed), nameof(RunStatus.Diverged), nameof(RunStatus.Cancelled)];

    public static RunRow From(Run run) => new()
    {
        Id = run.Id,
        ExperimentId = run.ExperimentId,
        Status = StatusName(run.Status),
        HyperparametersJson = run.HyperparametersJson,
        DatasetVersionHash = run.DatasetVersionHash,
        EpochsCompleted = run.EpochsCompleted,
        CurrentJobId = run.CurrentJobId,
        Error = run.Error,
        DivergedEpoch = run.Divergence?.Epoch,
        DivergedBatch = run.Divergence?.Batch,
        CreatedAt = run.CreatedAt,
        UpdatedAt = run.UpdatedAt,
        SourceRunId = run.SourceRunId,
    };

    public Run ToDomain() => new(
        Id, ExperimentId, ParseStatus(Status), HyperparametersJson, DatasetVersionHash, EpochsCompleted, CurrentJobId, Error, CreatedAt, UpdatedAt)
    {
        Divergence = DivergedEpoch is { } epoch && DivergedBatch is { } batch ? new Divergence(epoch, batch) : null,
        SourceRunId = SourceRunId,
    };

    public static string StatusName(RunStatus status) =>
        Enum.IsDefined(status) ? status.ToString() : throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown run status.");

    public static RunStatus ParseStatus(string status) => Enum.Parse<RunStatus>(status);
}

internal sealed class RunTagRow
{
    public required Guid RunId { get; set; }
    public required string Tag { get; set; }
}

internal sealed class HyperparameterRecordRow
{
    public required Guid RunId { get; set; }
    public required string CanonicalJson { get; set; }
    public required string Sha256 { get; set; }
    public required int Seed { get; set; }
    public required string DatasetVersionHash { get; set; }
    public required int ClassCount { get; set; }
    public required string CodeVersion { get; set; }
    public required string TorchSharpVersion { get; set; }
    public required string LibTorchVersion { get; set; }
    public required string Device { get; set; }
    public required DateTimeOffset CreatedAt { get; set; }

    public static HyperparameterRecordRow From(HyperparameterRecord record) => new()
    {
        RunId = record.RunId,
        CanonicalJson = record.CanonicalJson,
        Sha256 = record.Sha256,
        Seed = record.Seed,
        DatasetVersionHash = record.DatasetVersionHash,
        ClassCount = record.ClassCount,
        CodeVersion = record.CodeVersion,
        TorchSharpVersion = record.TorchSharpVersion,
        LibTorchVersion = record.LibTorchVersion,
        Device = record.Device,
        CreatedAt = record.CreatedAt,
    };

    public HyperparameterRecord ToDomain() => new(
        RunId, CanonicalJson, Sha256, Seed, DatasetVersionHash, ClassCount, CodeVersion, TorchSharpVersion, LibTorchVersion, Device, CreatedAt);
}

// Metric columns are nullable because SQLite stores a NaN REAL as NULL; NULL reads back as NaN (a diverged run's loss).
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

internal sealed class StudyRow
{
    public required Guid Id { get; set; }
    public required string Name { get; set; }
    public required Guid DatasetId { get; set; }
    public required string Preset { get; set; }
    public required Guid ExperimentId { get; set; }

    /// <summary>Shared overrides, grid and seeds as submitted after resolution.</summary>
    public required string Definition { get; set; }

    public required DateTimeOffset CreatedAt { get; set; }

    public static StudyRow From(Study study) => new()
    {
        Id = study.Id,
        Name = study.Name,
        DatasetId = study.DatasetId,
        Preset = study.Preset,
        ExperimentId = study.ExperimentId,
        Definition = study.DefinitionJson,
        CreatedAt = study.CreatedAt,
    };

    public Study ToDomain() => new(Id, Name, DatasetId, Preset, ExperimentId, Definition, CreatedAt);
}

/// <summary>No foreign key to Runs: a study keeps its rows when a run is deleted, and shows that run as deleted.</summary>
internal sealed class StudyRunRow
{
    public required Guid StudyId { get; set; }
    public required Guid RunId { get; set; }
    public required int Cell { get; set; }

    /// <summary>The cell's values as a JSON object keyed by hyperparameter path.</summary>
    public required string CellValues { get; set; }

    public required int Seed { get; set; }

    public static StudyRunRow From(StudyRun link) => new()
    {
        StudyId = link.StudyId,
        RunId = link.RunId,
        Cell = link.Cell,
        CellValues = link.ValuesJson,
        Seed = link.Seed,
    };

    public StudyRun ToDomain() => new(StudyId, RunId, Cell, CellValues, Seed);
}

internal static class Real
{
    public static double? ToColumn(double value) => double.IsNaN(value) ? null : value;

    public static double FromColumn(double? value) => value ?? double.NaN;
}

internal static class StorageJson
{
    // Named literals so a NaN per-class accuracy (a class with no validation images) or infinity survives the round trip.
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidOperationException($"Stored JSON '{json}' is null.");
}

/// <summary>A shard of a version being preprocessed; index -1 is the merge, present once claimed.</summary>
internal sealed class PreprocessShardRow
{
    public required string ContentHash { get; set; }
    public required int Index { get; set; }
    public string? JobId { get; set; }
    public bool Done { get; set; }
}

/// <summary>The version a run waits for while its shards are preprocessed.</summary>
internal sealed class PreprocessingRunRow
{
    public required Guid RunId { get; set; }
    public required string ContentHash { get; set; }
}
