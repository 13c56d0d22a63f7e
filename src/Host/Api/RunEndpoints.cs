using System.IO.Compression;
using AlexNet.Experiments.Application.Runs.AnnotateRun;
using AlexNet.Experiments.Application.Runs.CancelRun;
using AlexNet.Experiments.Application.Runs.CompareRuns;
using AlexNet.Experiments.Application.Runs.DeleteRun;
using AlexNet.Experiments.Application.Runs.GetRun;
using AlexNet.Experiments.Application.Runs.GetRunArtifact;
using AlexNet.Experiments.Application.Runs.GetRunMetrics;
using AlexNet.Experiments.Application.Runs.GetRunsProgress;
using AlexNet.Experiments.Application.Runs.GetRunSteps;
using AlexNet.Experiments.Application.Runs.GetRunTensorBoard;
using AlexNet.Experiments.Application.Runs.ReproduceRun;
using AlexNet.Experiments.Application.Runs.SearchRuns;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Domain.Training;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlexNet.Experiments.Host.Api;

/// <param name="Status">Run statuses, repeated or comma-separated.</param>
/// <param name="Filter">Conditions name&lt;op&gt;value, repeated: a hyperparameter's JSON path (model.lrn.enabled=false,
/// optimizer.learningRate&gt;=0.001) or a final metric (validationTop1Error&lt;0.4). Ops: = != &lt; &lt;= &gt; &gt;=.</param>
/// <param name="Tag">Tags the run must all carry, repeated.</param>
/// <param name="Q">Text in the run's note or its experiment's name, any case.</param>
/// <param name="OrderBy">createdAt (default), updatedAt, epochsCompleted or a metric name.</param>
/// <param name="Direction">asc or desc; default desc for times, asc for metrics.</param>
/// <param name="Page">1-based page number.</param>
/// <param name="Limit">Runs per page, 1 to 500 (default 50).</param>
public sealed record SearchRunsRequest(
    string[]? Status, Guid? ExperimentId, Guid? DatasetId, string[]? Filter, string[]? Tag, string? Q, string? OrderBy, string? Direction, int? Page, int? Limit)
{
    public SearchRunsQuery ToQuery() => new()
    {
        Status = Split(Status),
        ExperimentId = ExperimentId,
        DatasetId = DatasetId,
        Filter = Filter ?? [],
        Tag = Tag ?? [],
        Q = Q,
        OrderBy = OrderBy,
        Direction = Direction,
        Page = Page ?? 1,
        Limit = Limit ?? 50,
    };

    private static string[] Split(string[]? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
}

/// <param name="Tags">Replaces the run's tags; omit to keep them.</param>
/// <param name="Note">Replaces the run's note; omit to keep it.</param>
[RequestBody]
public sealed record AnnotateRunRequest(string[]? Tags, string? Note);

public sealed record CancelledRun(Guid RunId, RunStatus Status);

public static class RunEndpoints
{
    public static RouteGroupBuilder MapRunEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/runs.csv", SearchCsv).WithTags("Runs").ProducesValidationProblem().Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .WithSummary("The search of GET /api/runs (same parameters) as CSV: one row per run with its final metrics");
        var group = routes.MapGroup("/api/runs").WithTags("Runs");
        group.MapGet("/", Search).ProducesValidationProblem()
            .WithSummary("Search runs: status, experimentId, datasetId, filter=<hyperparameter path or metric><op><value>, tag, q; orderBy, direction, page, limit");
        group.MapGet("/compare", Compare).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Runs side by side (ids=a,b,c): the hyperparameters that differ, final metrics, each run's metric history");
        group.MapGet("/progress", Progress).ProducesValidationProblem()
            .WithSummary("Status, epochs and live progress of up to 50 runs (ids=a,b,c), in one cheap read: what the pages poll while runs train");
        group.MapGet("/{runId:guid}", Get).WithSummary("A run: status, resolved hyperparameters, reproducibility record, evaluation, artifacts");
        group.MapGet("/{runId:guid}/metrics", Metrics).WithSummary("Per-epoch loss, top-1/top-5 errors, learning rate and images/s");
        group.MapGet("/{runId:guid}/metrics.csv", MetricsCsv).Produces(StatusCodes.Status200OK, contentType: "text/csv").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Per-epoch metrics as CSV");
        group.MapGet("/{runId:guid}/steps", Steps).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Step-level points: every AlexNet:StepMetricsBatches training batches and after each epoch's last, the train loss and " +
                "top-1/top-5 error of the batches since the previous point, with images seen and wall seconds; imagesPerEpoch reads images as epochs");
        group.MapGet("/{runId:guid}/steps.csv", StepsCsv).Produces(StatusCodes.Status200OK, contentType: "text/csv").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Step-level points as CSV");
        group.MapGet("/{runId:guid}/tensorboard.zip", TensorBoard).Produces(StatusCodes.Status200OK, contentType: "application/zip")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The run's TensorBoard event files in a folder named by the run (unzip, then tensorboard --logdir .); 404 before its first step point");
        group.MapGet("/{runId:guid}/artifacts/{name}", Artifact).Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .ProducesProblem(StatusCodes.Status404NotFound).WithSummary("Download one of the run's artifacts by name (see the run's artifacts[].downloadUrl)");
        group.MapPost("/{runId:guid}/cancel", Cancel).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Stop a queued or running run at the next batch boundary and mark it Cancelled (409 if it already finished)");
        group.MapDelete("/{runId:guid}", Delete).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Delete a finished run's rows and files (409 while it is queued or running: cancel it first)");
        group.MapPatch("/{runId:guid}", Annotate).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Set the run's tags and/or note (searchable with tag= and q=)");
        group.MapPost("/{runId:guid}/reproduce", Reproduce).WithSummary("Queue a new run of the same experiment from this run's recorded hyperparameters");
        return group;
    }

    private static async Task<Ok<RunList>> Search([AsParameters] SearchRunsRequest request, IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(await mediator.Send(request.ToQuery(), cancellationToken));

    private static async Task<Ok<RunComparison>> Compare(string? ids, IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(await mediator.Send(
            new CompareRunsQuery((ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), cancellationToken));

    private static async Task<Ok<IReadOnlyList<RunProgressView>>> Progress(string? ids, IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(await mediator.Send(
            new GetRunsProgressQuery((ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), cancellationToken));

    private static async Task<IResult> SearchCsv([AsParameters] SearchRunsRequest request, IMediator mediator, CancellationToken cancellationToken)
    {
        var list = await mediator.Send(request.ToQuery(), cancellationToken);
        return Csv.File(list.Runs, "runs.csv",
            ("id", r => r.Id), ("experimentId", r => r.ExperimentId), ("experimentName", r => r.ExperimentName), ("datasetId", r => r.DatasetId),
            ("status", r => r.Status), ("epochsCompleted", r => r.EpochsCompleted), ("epochs", r => r.Epochs), ("tags", r => string.Join(';', r.Tags)),
            ("note", r => r.Note), ("sourceRunId", r => r.SourceRunId), ("createdAt", r => r.CreatedAt), ("updatedAt", r => r.UpdatedAt),
            ("trainLoss", r => r.Metrics.TrainLoss), ("trainTop1Error", r => r.Metrics.TrainTop1Error), ("trainTop5Error", r => r.Metrics.TrainTop5Error),
            ("validationLoss", r => r.Metrics.ValidationLoss), ("validationTop1Error", r => r.Metrics.ValidationTop1Error),
            ("validationTop5Error", r => r.Metrics.ValidationTop5Error), ("learningRate", r => r.Metrics.LearningRate),
            ("imagesPerSecond", r => r.Metrics.ImagesPerSecond), ("evaluationLoss", r => r.Metrics.EvaluationLoss),
            ("evaluationTop1Error", r => r.Metrics.EvaluationTop1Error), ("evaluationTop5Error", r => r.Metrics.EvaluationTop5Error));
    }

    private static async Task<IResult> MetricsCsv(Guid runId, IMediator mediator, CancellationToken cancellationToken) =>
        await mediator.Send(new GetRunMetricsQuery(runId), cancellationToken) is { } metrics
            ? Csv.File(metrics, $"run-{runId}-metrics.csv",
                ("epoch", m => m.Epoch), ("trainLoss", m => m.TrainLoss), ("trainTop1Error", m => m.TrainTop1Error), ("trainTop5Error", m => m.TrainTop5Error),
                ("validationLoss", m => m.ValidationLoss), ("validationTop1Error", m => m.ValidationTop1Error),
                ("validationTop5Error", m => m.ValidationTop5Error), ("learningRate", m => m.LearningRate),
                ("imagesPerSecond", m => m.ImagesPerSecond), ("trainSeconds", m => m.TrainSeconds), ("recordedAt", m => m.RecordedAt))
            : TypedResults.NotFound();

    private static async Task<Results<Ok<RunSteps>, NotFound>> Steps(Guid runId, IMediator mediator, CancellationToken cancellationToken) =>
        await mediator.Send(new GetRunStepsQuery(runId), cancellationToken) is { } steps ? TypedResults.Ok(steps) : TypedResults.NotFound();

    private static async Task<IResult> StepsCsv(Guid runId, IMediator mediator, CancellationToken cancellationToken) =>
        await mediator.Send(new GetRunStepsQuery(runId), cancellationToken) is { } steps
            ? Csv.File(steps.Points, $"run-{runId}-steps.csv",
                ("epoch", p => p.Epoch), ("batch", p => p.Batch), ("imagesSeen", p => p.ImagesSeen), ("trainLoss", p => p.TrainLoss),
                ("trainTop1Error", p => p.TrainTop1Error), ("trainTop5Error", p => p.TrainTop5Error), ("wallSeconds", p => p.WallSeconds))
            : TypedResults.NotFound();

    private static async Task<Results<PhysicalFileHttpResult, NotFound>> Artifact(Guid runId, string name, IMediator mediator, CancellationToken cancellationToken) =>
        await mediator.Send(new GetRunArtifactQuery(runId, name), cancellationToken) is { } file && File.Exists(file.Path)
            ? TypedResults.PhysicalFile(file.Path, "application/octet-stream", file.Name, enableRangeProcessing: true)
            : TypedResults.NotFound();

    private static async Task<IResult> TensorBoard(Guid runId, IMediator mediator, CancellationToken cancellationToken)
    {
        if (await mediator.Send(new GetRunTensorBoardQuery(runId), cancellationToken) is not { Count: > 0 } files)
        {
            return TypedResults.NotFound();
        }

        // Built in memory (a run's event files are kilobytes): ZipArchive writes synchronously, which Kestrel refuses on its stream.
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in files)
            {
                await using var entry = archive.CreateEntry($"{runId}/{Path.GetFileName(file)}", CompressionLevel.Fastest).Open();
                await using var source = File.OpenRead(file);
                await source.CopyToAsync(entry, cancellationToken);
            }
        }

        return TypedResults.File(zip.ToArray(), "application/zip", $"run-{runId}-tensorboard.zip");
    }

    private static async Task<Ok<CancelledRun>> Cancel(Guid runId, IMediator mediator, CancellationToken cancellationToken) =>
        TypedResults.Ok(new CancelledRun(runId, await mediator.Send(new CancelRunCommand(runId), cancellationToken)));

    private static async Task<NoContent> Delete(Guid runId, IMediator mediator, CancellationToken cancellationToken)
    {
        await mediator.Send(new DeleteRunCommand(runId), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<RunDetails>, NotFound>> Annotate(
        Guid runId, AnnotateRunRequest request, IMediator mediator, CancellationToken cancellationToken)
    {
        await mediator.Send(new AnnotateRunCommand(runId, request.Tags, request.Note), cancellationToken);
        return await Get(runId, mediator, cancellationToken);
    }

    private static async Task<Results<Ok<RunDetails>, NotFound>> Get(Guid runId, IMediator mediator, CancellationToken cancellationToken) =>
        await mediator.Send(new GetRunQuery(runId), cancellationToken) is { } details ? TypedResults.Ok(details) : TypedResults.NotFound();

    private static async Task<Accepted<QueuedRun>> Reproduce(Guid runId, IMediator mediator, CancellationToken cancellationToken)
    {
        var queued = await mediator.Send(new ReproduceRunCommand(runId), cancellationToken);
        return TypedResults.Accepted($"/api/runs/{queued.RunId}", queued);
    }

    private static async Task<Results<Ok<IReadOnlyList<EpochMetrics>>, NotFound>> Metrics(Guid runId, IMediator mediator, CancellationToken cancellationToken) =>
        await mediator.Send(new GetRunMetricsQuery(runId), cancellationToken) is { } metrics ? TypedResults.Ok(metrics) : TypedResults.NotFound();
}
