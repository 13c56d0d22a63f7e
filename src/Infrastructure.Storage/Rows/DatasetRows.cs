using System.Text.Json;
using System.Text.Json.Serialization;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Studies;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Infrastructure.Storage;

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
