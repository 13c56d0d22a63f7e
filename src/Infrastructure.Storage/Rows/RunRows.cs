using System.Text.Json;
using System.Text.Json.Serialization;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Studies;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Infrastructure.Storage;

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
        HyperparametersJson = HyperparameterJson.ToCanonicalJson(run.Hyperparameters),
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

    public Run ToDomain() => Run.Restore(
        Id, ExperimentId, ParseStatus(Status), HyperparameterJson.FromJson(HyperparametersJson), DatasetVersionHash, EpochsCompleted, CurrentJobId, Error,
        DivergedEpoch is { } epoch && DivergedBatch is { } batch ? new Divergence(epoch, batch) : null, SourceRunId, CreatedAt, UpdatedAt);

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
