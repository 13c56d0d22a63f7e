using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Storage;
using AlexNet.Experiments.Domain.Studies;
using AlexNet.Experiments.Domain.Training;
using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Application.Studies.GetStudy;

/// <param name="TrainErrorTarget">A training top-1 error in [0, 1]: each row and cell then says after how many images and training
/// seconds a run first reached it, from its step-level curve. Null takes the study's own target, if it has one.</param>
public sealed record GetStudyQuery(Guid StudyId, double? TrainErrorTarget = null) : IQuery<StudyDetails?>;

/// <summary>
/// A study as a table. <see cref="Rows"/>: one per run. <see cref="Cells"/>: one per grid cell, each metric's mean, sample
/// standard deviation and 95% interval over the cell's Succeeded runs. Evaluation errors are the final evaluation's on the validation
/// split, with ten crops or the centre crop as the run's evaluation.tenCrop says (each row names which); train error is the last
/// epoch's. <see cref="Claims"/>: each of the study's claims with its interval and verdict. <see cref="WallSeconds"/>: from
/// submission to the last run's end, null while a run is unfinished.
/// </summary>
public sealed record StudyDetails(
    Guid Id, string Name, Guid DatasetId, string Preset, Guid ExperimentId, DateTimeOffset CreatedAt, JsonObject Hyperparameters, JsonObject Grid,
    IReadOnlyList<int> Seeds, IReadOnlyList<string> Varied, double? TrainErrorTarget, IReadOnlyList<StudyCell> Cells, IReadOnlyList<StudyRow> Rows,
    IReadOnlyList<ClaimResult> Claims, double? WallSeconds);

/// <summary>
/// A run of the study. <see cref="Status"/> is null and <see cref="Deleted"/> true when the run was deleted since.
/// <see cref="ImagesToTarget"/> and <see cref="SecondsToTarget"/> are null when the run never reached the target (or none was asked).
/// </summary>
public sealed record StudyRow(
    Guid RunId, int Cell, int Seed, JsonObject Values, RunStatus? Status, bool Deleted, int EpochsCompleted, int? Epochs, EvaluationCrops? EvaluationCrops,
    double? EvaluationTop1Error, double? EvaluationTop5Error, double? TrainTop1Error, double? TrainingSeconds, double? ImagesToTarget, double? SecondsToTarget,
    DateTimeOffset? FinishedAt);

/// <summary>
/// A grid cell over its seeds: <see cref="Finished"/> counts the Succeeded runs the figures are taken over. The times to the target
/// are over the runs that reached it; <see cref="NotReached"/> counts the finished runs that did not (null without a target).
/// </summary>
public sealed record StudyCell(
    int Cell, string Label, JsonObject Values, int Runs, int Finished, MetricSpread EvaluationTop1Error, MetricSpread EvaluationTop5Error,
    MetricSpread TrainTop1Error, MetricSpread TrainingSeconds, MetricSpread ImagesToTarget, MetricSpread SecondsToTarget, int? NotReached);

public sealed class GetStudyValidator : AbstractValidator<GetStudyQuery>
{
    public GetStudyValidator() => RuleFor(q => q.TrainErrorTarget).InclusiveBetween(0, 1).OverridePropertyName("trainErrorTarget");
}

public sealed class GetStudyHandler(IStudyStore studies, IRunStore runStore, IRunMetricsStore metricsStore) : IQueryHandler<GetStudyQuery, StudyDetails?>
{
    public async ValueTask<StudyDetails?> Handle(GetStudyQuery query, CancellationToken cancellationToken)
    {
        if (await studies.GetStudyAsync(query.StudyId, cancellationToken) is not { } study)
        {
            return null;
        }

        var definition = JsonNode.Parse(study.DefinitionJson)!.AsObject();
        var (claims, storedTarget) = StudyClaims.Read(definition);
        var target = query.TrainErrorTarget ?? storedTarget;
        var rows = new List<StudyRow>();
        foreach (var link in await studies.ListStudyRunsAsync(study.Id, cancellationToken))
        {
            rows.Add(await RowAsync(link, target, cancellationToken));
        }

        var grid = definition["grid"]!.AsObject();
        double? wallSeconds = rows.Count > 0 && rows.All(r => r.Deleted || r.FinishedAt is not null) && rows.Max(r => r.FinishedAt) is { } end
            ? (end - study.CreatedAt).TotalSeconds
            : null;
        return new StudyDetails(
            study.Id, study.Name, study.DatasetId, study.Preset, study.ExperimentId, study.CreatedAt, definition["hyperparameters"]!.AsObject(), grid,
            definition["seeds"]!.AsArray().Select(s => s!.GetValue<int>()).ToList(), grid.Select(a => a.Key).ToList(), target,
            Cells(rows, target is not null), rows, StudyClaims.Measure(claims, rows), wallSeconds);
    }

    /// <summary>Aggregates rows by cell; only Succeeded runs count towards the figures.</summary>
    public static IReadOnlyList<StudyCell> Cells(IReadOnlyList<StudyRow> rows, bool withTarget) =>
        rows.GroupBy(r => r.Cell).OrderBy(g => g.Key).Select(cell =>
        {
            var finished = cell.Where(r => r.Status == RunStatus.Succeeded).ToList();
            MetricSpread Of(Func<StudyRow, double?> metric) => StudyStatistics.Summarise(finished.Select(metric));
            return new StudyCell(
                cell.Key, StudyPlan.Label(cell.First().Values), cell.First().Values, cell.Count(), finished.Count, Of(r => r.EvaluationTop1Error),
                Of(r => r.EvaluationTop5Error), Of(r => r.TrainTop1Error), Of(r => r.TrainingSeconds), Of(r => r.ImagesToTarget), Of(r => r.SecondsToTarget),
                withTarget ? finished.Count(r => r.ImagesToTarget is null) : null);
        }).ToList();

    private async Task<StudyRow> RowAsync(StudyRun link, double? target, CancellationToken cancellationToken)
    {
        var values = JsonNode.Parse(link.ValuesJson)!.AsObject();
        if (await runStore.GetRunAsync(link.RunId, cancellationToken) is not { } run)
        {
            return new StudyRow(link.RunId, link.Cell, link.Seed, values, null, true, 0, null, null, null, null, null, null, null, null, null);
        }

        var epochs = await metricsStore.GetEpochMetricsAsync(run.Id, cancellationToken);
        var evaluation = await metricsStore.GetEvaluationAsync(run.Id, cancellationToken);
        var hyperparameters = run.Hyperparameters;
        var crossing = target is { } t ? TargetCrossing.First(await metricsStore.GetStepMetricsAsync(run.Id, cancellationToken), t) : null;
        return new StudyRow(
            run.Id, link.Cell, link.Seed, values, run.Status, false, run.EpochsCompleted, hyperparameters.Epochs,
            evaluation?.Crops ?? (hyperparameters.Evaluation.TenCrop ? EvaluationCrops.TenCrop : EvaluationCrops.Centre),
            Finite(evaluation?.Top1Error), Finite(evaluation?.Top5Error), Finite(epochs.LastOrDefault()?.TrainTop1Error),
            StudyStatistics.TrainingSeconds(epochs), crossing?.Images, crossing?.Seconds, run.IsFinished ? run.UpdatedAt : null);
    }

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
