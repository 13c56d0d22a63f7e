using AlexNet.Experiments.Domain.Experiments;

namespace AlexNet.Experiments.Domain.Studies;

/// <summary>
/// A grid of hyperparameter overrides run over several seeds, one run per (cell, seed). <see cref="DefinitionJson"/> is the
/// request as resolved: shared overrides, the grid keyed by canonical hyperparameter path, and the seeds.
/// Its runs are ordinary runs of experiment <see cref="ExperimentId"/>.
/// </summary>
public sealed record Study(Guid Id, string Name, Guid DatasetId, string Preset, Guid ExperimentId, string DefinitionJson, DateTimeOffset CreatedAt)
{
    /// <summary>The tag every run of the study carries, so GET /api/runs?tag=study:&lt;id&gt; finds them.</summary>
    public string RunTag => $"study:{Id:D}";
}

/// <summary>One run of a study: its grid cell (0-based, first axis outermost), the cell's values as a JSON object keyed by path, and the seed.</summary>
public sealed record StudyRun(Guid StudyId, Guid RunId, int Cell, string ValuesJson, int Seed);

/// <summary>Studies and the runs they submitted. The links outlive their runs, so a deleted run shows as deleted.</summary>
public interface IStudyStore
{
    /// <summary>Adds the study, its experiment, every run (tagged "study:&lt;id&gt;") and the links in one transaction.</summary>
    Task AddStudyAsync(Study study, Experiment experiment, IReadOnlyList<(Run Run, StudyRun Link)> runs, CancellationToken cancellationToken);

    Task<Study?> GetStudyAsync(Guid studyId, CancellationToken cancellationToken);

    /// <summary>Newest first.</summary>
    Task<IReadOnlyList<Study>> ListStudiesAsync(CancellationToken cancellationToken);

    /// <summary>By cell, then seed.</summary>
    Task<IReadOnlyList<StudyRun>> ListStudyRunsAsync(Guid studyId, CancellationToken cancellationToken);
}
