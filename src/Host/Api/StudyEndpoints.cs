using System.Text.Json.Nodes;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Studies;
using AlexNet.Experiments.Application.Studies.GetStudy;
using AlexNet.Experiments.Application.Studies.ListStudies;
using AlexNet.Experiments.Application.Studies.SubmitStudy;
using AlexNet.Experiments.Host.Plots;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlexNet.Experiments.Host.Api;

/// <param name="Hyperparameters">Overrides shared by every run, as for an experiment.</param>
/// <param name="Grid">Hyperparameter path -> values to try, e.g. { "model.activation": ["ReLU", "Tanh"], "model.lrn.enabled": [true, false] }.</param>
/// <param name="Seeds">Each cell runs once per seed; omitted, the preset's (or the overrides') seed.</param>
/// <param name="Claims">Claims to measure, each { name, baseline, variant, metric, paperEffect } naming two cells by label.</param>
/// <param name="TrainErrorTarget">Training top-1 error whose time to reach each run, cell and time claim reports, e.g. 0.25.</param>
[RequestBody(Required = ["name", "datasetId"])]
public sealed record SubmitStudyRequest(
    string? Name, Guid? DatasetId, string? Preset, JsonObject? Hyperparameters, JsonObject? Grid, int[]? Seeds, StudyClaimRequest[]? Claims = null,
    double? TrainErrorTarget = null)
{
    public SubmitStudyCommand ToCommand(Guid? datasetId = null) =>
        new(Name ?? "", datasetId ?? DatasetId ?? Guid.Empty, Preset ?? HyperparameterPresets.Quickstart, Hyperparameters, Grid, Seeds, Claims, TrainErrorTarget);
}

public static class StudyEndpoints
{
    public static RouteGroupBuilder MapStudyEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/studies").WithTags("Studies");
        group.MapPost("/", Submit).ProducesValidationProblem()
            .WithSummary("Submit a study: a preset, shared overrides, a grid of hyperparameter paths to values, and seeds; one run per cell and seed");
        group.MapGet("/", List).WithSummary("Studies, newest first");
        group.MapGet("/{studyId:guid}", Get).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A study's table: rows (one per run), cells (mean, sample spread and 95% interval over seeds), claims (effect, 95% interval, verdict); ?trainErrorTarget=0.25 sets the target whose images and seconds to reach are reported");
        routes.MapGet("/api/studies/{studyId:guid}.csv", Csv).WithTags("Studies").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .Produces(StatusCodes.Status200OK, contentType: "text/csv").WithSummary("A study's rows as CSV, one per run (same parameters as the JSON)");
        group.MapGet("/{studyId:guid}/plot.{format}", Plot).ProducesProblem(StatusCodes.Status404NotFound)
            .Produces(StatusCodes.Status200OK, contentType: "image/svg+xml", additionalContentTypes: ["image/png"])
            .WithSummary("One bar per cell: mean evaluation top-1 error with its 95% interval over seeds, as svg or png");
        return group;
    }

    private static async Task<Accepted<SubmittedStudy>> Submit(SubmitStudyRequest request, IMediator mediator, CancellationToken cancellationToken)
    {
        var submitted = await mediator.Send(request.ToCommand(), cancellationToken);
        return TypedResults.Accepted($"/api/studies/{submitted.StudyId}", submitted);
    }

    private static async Task<Ok<IReadOnlyList<StudySummary>>> List(IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(await mediator.Send(new ListStudiesQuery(), cancellationToken));

    private static async Task<Results<Ok<StudyDetails>, NotFound>> Get(Guid studyId, double? trainErrorTarget, IMediator mediator, CancellationToken cancellationToken) =>
        await mediator.Send(new GetStudyQuery(studyId, trainErrorTarget), cancellationToken) is { } study ? TypedResults.Ok(study) : TypedResults.NotFound();

    private static async Task<IResult> Csv(Guid studyId, double? trainErrorTarget, IMediator mediator, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetStudyQuery(studyId, trainErrorTarget), cancellationToken) is not { } study)
        {
            return TypedResults.NotFound();
        }

        var columns = new List<(string, Func<StudyRow, object?>)> { ("runId", r => r.RunId), ("cell", r => r.Cell), ("seed", r => r.Seed) };
        columns.AddRange(study.Varied.Select(path => (path, (Func<StudyRow, object?>)(r => CsvValue(r.Values[path])))));
        columns.AddRange(
        [
            ("status", r => r.Deleted ? "Deleted" : r.Status), ("epochsCompleted", r => r.EpochsCompleted), ("evaluationCrops", r => r.EvaluationCrops),
            ("evaluationTop1Error", r => r.EvaluationTop1Error), ("evaluationTop5Error", r => r.EvaluationTop5Error), ("trainTop1Error", r => r.TrainTop1Error),
            ("trainingSeconds", r => r.TrainingSeconds), ("imagesToTarget", r => r.ImagesToTarget), ("secondsToTarget", r => r.SecondsToTarget),
        ]);
        return Api.Csv.File(study.Rows, $"study-{studyId}.csv", [.. columns]);
    }

    /// <summary>A grid value as a CSV cell: a number as a number, anything else (an enum name, a variant's name) as text.</summary>
    private static object CsvValue(JsonNode? value) =>
        value is JsonValue number && number.GetValueKind() == System.Text.Json.JsonValueKind.Number ? number.GetValue<double>() : StudyPlan.ValueText(value);

    private static async Task<Results<FileContentHttpResult, NotFound>> Plot(Guid studyId, string format, IMediator mediator, CancellationToken cancellationToken)
    {
        if (format is not ("svg" or "png") || await mediator.Send(new GetStudyQuery(studyId), cancellationToken) is not { } study)
        {
            return TypedResults.NotFound();
        }

        var plotFormat = format == "svg" ? PlotFormat.Svg : PlotFormat.Png;
        return TypedResults.File(RunPlots.Render(StudyPlots.Cells(study), plotFormat, RunPlots.Width, RunPlots.Height), format == "svg" ? "image/svg+xml" : "image/png");
    }
}
