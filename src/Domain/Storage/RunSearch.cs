using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;

namespace AlexNet.Experiments.Domain.Storage;

public enum Comparison { Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual }

/// <summary>
/// What a run can be ordered by. The metrics are the run's final figures: the last recorded epoch's, and the evaluation's
/// (ten-crop or centre crop, as the run chose).
/// </summary>
public enum RunField
{
    CreatedAt,
    UpdatedAt,
    EpochsCompleted,
    TrainLoss,
    TrainTop1Error,
    TrainTop5Error,
    ValidationLoss,
    ValidationTop1Error,
    ValidationTop5Error,
    LearningRate,
    ImagesPerSecond,
    EvaluationLoss,
    EvaluationTop1Error,
    EvaluationTop5Error,
}

/// <summary>
/// A condition on one value of the canonical hyperparameter JSON at <paramref name="JsonPath"/> ("$.model.lrn.enabled").
/// Numbers and booleans (1/0) compare as <paramref name="Number"/>, names and strings as <paramref name="Text"/>.
/// </summary>
public sealed record HyperparameterCondition(string JsonPath, Comparison Comparison, double? Number, string? Text);

/// <summary>A condition on a final figure; a run without that figure does not match.</summary>
public sealed record MetricCondition(RunField Field, Comparison Comparison, double Value);

/// <summary>Every condition must hold. Runs come ordered by <see cref="OrderBy"/> (runs without the figure last), then newest first.</summary>
public sealed record RunSearch
{
    public IReadOnlyList<Guid> RunIds { get; init; } = [];
    public IReadOnlyList<RunStatus> Statuses { get; init; } = [];
    public Guid? ExperimentId { get; init; }
    public Guid? DatasetId { get; init; }
    public IReadOnlyList<HyperparameterCondition> Hyperparameters { get; init; } = [];
    public IReadOnlyList<MetricCondition> Metrics { get; init; } = [];

    /// <summary>Runs carrying every one of these tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Case-insensitive substring of the run's note or its experiment's name.</summary>
    public string? Text { get; init; }

    public RunField OrderBy { get; init; } = RunField.CreatedAt;
    public bool Descending { get; init; } = true;
    public int Offset { get; init; }
    public int Limit { get; init; } = 50;
}

/// <summary>A run's final figures; null where it has none yet (no epoch finished, not evaluated).</summary>
public sealed record FinalMetrics(
    int? Epoch,
    double? TrainLoss,
    double? TrainTop1Error,
    double? TrainTop5Error,
    double? ValidationLoss,
    double? ValidationTop1Error,
    double? ValidationTop5Error,
    double? LearningRate,
    double? ImagesPerSecond,
    double? EvaluationLoss,
    double? EvaluationTop1Error,
    double? EvaluationTop5Error);

public sealed record RunSummary(
    Run Run, string ExperimentName, Guid DatasetId, IReadOnlyList<string> Tags, string? Note, FinalMetrics Metrics, RunProgressFigures? LastProgress)
{
    /// <summary>
    /// The run's last stored progress; a finished run's has nothing left to wait for, even when read in the moment between its
    /// last step's transition and that step storing its final figures.
    /// </summary>
    public RunProgressFigures? LastProgress { get; init; } =
        Run.Status.IsFinal() && LastProgress is { } last ? last with { StepSecondsLeft = 0, RunSecondsLeft = 0 } : LastProgress;
}

/// <summary>One page of a search and the number of runs matching it in all.</summary>
public sealed record RunSearchPage(IReadOnlyList<RunSummary> Runs, int Total);
