using System.Text.Json;
using System.Text.Json.Serialization;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Studies;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Infrastructure.Storage;

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
